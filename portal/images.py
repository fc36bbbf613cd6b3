"""Image checks and resizing with Pillow."""

from __future__ import annotations

import io
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError

LOGO_BOX = (512, 512)
LOGO_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
# A logo never needs more; larger claims are decompression bombs.
MAX_PIXELS = 40_000_000


class ImageRejected(ValueError):
    """An upload that is not an acceptable image; the message is shown to the operator."""


def prepare_logo(stream: BinaryIO, max_bytes: int) -> bytes:
    """Check that the upload is a real raster image and return it as a PNG that fits 512×512, without metadata."""
    data = stream.read(max_bytes + 1)
    if not data:
        raise ImageRejected("Choose an image file.")
    if len(data) > max_bytes:
        raise ImageRejected(f"The logo must be smaller than {max_bytes // 1024} KB.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in LOGO_FORMATS:
                raise ImageRejected("Use a PNG, JPEG, GIF or WebP image (SVG is not accepted).")
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageRejected("That image is far too large in pixels.")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = image.convert("RGBA")
    except ImageRejected:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageRejected("That image is far too large in pixels.") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected("That file is not a readable image. Use a PNG, JPEG, GIF or WebP.") from exc
    image.thumbnail(LOGO_BOX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def contrast_with_white(hex_colour: str) -> float:
    """The WCAG contrast ratio between white text and a #rrggbb background."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)
