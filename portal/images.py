"""Image checks and resizing with Pillow."""

from __future__ import annotations

import io
import re
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

LOGO_BOX = (512, 512)
LOGO_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
# A logo never needs more; larger claims are decompression bombs.
MAX_PIXELS = 40_000_000
# Uploads of these types are shown and previewed (decoded), so their pixel count is bounded at upload.
# TIFF is exempt: orthomosaics run to gigapixels and are kept as plain files, previewed only within the bound.
BOUNDED_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
DEFAULT_MAX_IMAGE_PIXELS = 100_000_000
# What a thumbnail may decode in a request. JPEGs decode at reduced scale; PNG, GIF and WebP only whole, so a
# 100-megapixel RGBA PNG of a few hundred KB would cost 400 MB: such an image gets no preview instead.
MAX_DECODE_BYTES = 100_000_000


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


def _max_pixels(max_pixels: int | None) -> int:
    if max_pixels is not None:
        return max_pixels
    from flask import current_app, has_app_context

    return (
        current_app.config.get("MAX_IMAGE_PIXELS", DEFAULT_MAX_IMAGE_PIXELS)
        if has_app_context()
        else DEFAULT_MAX_IMAGE_PIXELS
    )


def _too_large(filename: str, pixels: int, limit: int, size: tuple[int, int] | None = None) -> ImageRejected:
    dimensions = (
        f"{size[0]} × {size[1]} pixels ({pixels / 1e6:.0f} megapixels)" if size else f"{pixels / 1e6:.0f} megapixels"
    )
    return ImageRejected(
        f"“{filename}” is {dimensions}; images up to {limit / 1e6:.0f} megapixels are accepted. "
        "Export a smaller version, or send it as a ZIP."
    )


def check_pixels(stream: BinaryIO, filename: str, max_pixels: int | None = None) -> None:
    """Refuse an image whose header claims more than ``MAX_IMAGE_PIXELS``, without decoding it; rewinds the stream."""
    limit = _max_pixels(max_pixels)
    start = stream.tell()
    try:
        with Image.open(stream) as probe:
            size = probe.size
    except Image.DecompressionBombError as exc:
        # Pillow's own ceiling (about 179 megapixels) stops the open itself; its message carries the pixel count.
        claimed = re.search(r"\((\d+) pixels\)", str(exc))
        raise _too_large(filename, int(claimed.group(1)) if claimed else limit + 1, limit) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return  # not an image Pillow reads: the type checks decide, and no preview will decode it
    finally:
        stream.seek(start)
    if size[0] * size[1] > limit:
        raise _too_large(filename, size[0] * size[1], limit, size)


def make_thumbnail(stream: BinaryIO, box: tuple[int, int], max_pixels: int | None = None) -> bytes | None:
    """A JPEG that fits ``box``, decoded at reduced scale (JPEG ``draft``, ``reduce``); None for images over the
    pixel bound or unreadable ones."""
    limit = _max_pixels(max_pixels)
    try:
        with Image.open(stream) as image:
            if image.width * image.height > limit:
                return None
            # A JPEG decodes straight at 1/2, 1/4 or 1/8 scale: a 45-megapixel photo costs under a megapixel.
            image.draft("RGB", box)
            if image.width * image.height * len(image.getbands()) > MAX_DECODE_BYTES:
                return None
            image.thumbnail(box, Image.Resampling.LANCZOS, reducing_gap=2.0)
            image = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=80)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        return None
    return out.getvalue()


def contrast_with_white(hex_colour: str) -> float:
    """The WCAG contrast ratio between white text and a #rrggbb background."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)
