"""Photos read by Pillow (JPEG, PNG, WebP, GIF, HEIC): a ~2048 px preview, a ~400 px thumbnail, capture data."""

from __future__ import annotations

import dataclasses
import io
import threading
import warnings
from pathlib import Path

from PIL import Image, ImageFile, UnidentifiedImageError

from portal.models.media import IMAGE
from portal.previews import PREVIEW_BOX, THUMB_BOX, Limits, PreviewFailed, PreviewKind, Put, Result, register
from portal.previews.exif import Capture, read_capture

try:  # HEIC/HEIF (iPhones, some drones) through libheif, when the wheel is installed
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_TYPES = {"image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence"}
except ImportError:  # pragma: no cover - pillow-heif is a declared dependency
    HEIF_TYPES = set()

DAMAGED = "This image is damaged or incomplete, so no preview could be made. Upload it again."
T = Image.Transpose
# EXIF orientation → the turn that makes the picture upright (as ImageOps.exif_transpose does).
UPRIGHT = {
    2: T.FLIP_LEFT_RIGHT,
    3: T.ROTATE_180,
    4: T.FLIP_TOP_BOTTOM,
    5: T.TRANSPOSE,
    6: T.ROTATE_270,
    7: T.TRANSVERSE,
    8: T.ROTATE_90,
}
UNREADABLE = "This file could not be read as an image, so no preview could be made."


def too_many_pixels(width: int, height: int, limit: int) -> PreviewFailed:
    """The failure for an image whose header claims more pixels than a preview may decode."""
    return PreviewFailed(
        f"This image claims {width} × {height} pixels ({width * height / 1e6:.0f} megapixels); previews are made "
        f"for images up to {limit / 1e6:.0f} megapixels. The original is unchanged and can still be downloaded."
    )


def set_pillow_ceiling(limits: Limits) -> None:
    """Make Pillow itself refuse headers over twice the preview bound (it raises at twice ``MAX_IMAGE_PIXELS``)."""
    # A deliberate, process-wide setting: the web process's own image checks bound pixels explicitly as well.
    Image.MAX_IMAGE_PIXELS = limits.max_image_pixels


def jpeg_bytes(image: Image.Image, box: int, quality: int = 82, icc: bytes | None = None) -> tuple[bytes, tuple]:
    """A JPEG that fits ``box`` × ``box``, alpha laid on white, without EXIF; returns the bytes and the size."""
    copy = image.copy() if max(image.size) > box else image
    copy.thumbnail((box, box), Image.Resampling.LANCZOS, reducing_gap=3.0)
    if copy.mode in ("RGBA", "LA", "PA") or (copy.mode == "P" and "transparency" in copy.info):
        rgba = copy.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        copy = flat
    elif copy.mode != "RGB":
        copy = copy.convert("RGB")
    out = io.BytesIO()
    options = {"icc_profile": icc} if icc else {}
    copy.save(out, "JPEG", quality=quality, optimize=True, progressive=True, **options)
    return out.getvalue(), copy.size


def photo_result(width: int, height: int, capture: Capture) -> Result:
    """A photo's result: its upright size, and where, when and with what it was taken."""
    return Result(kind=IMAGE, width=width, height=height, **dataclasses.asdict(capture))


def store_stills(image: Image.Image, put: Put, result: Result, icc: bytes | None = None) -> None:
    """Store a preview and a thumbnail of an upright image and note their keys."""
    preview, _ = jpeg_bytes(image, PREVIEW_BOX, icc=icc)
    result.keys["preview"] = put("preview.jpg", preview, "image/jpeg")
    thumb, _ = jpeg_bytes(image, THUMB_BOX, quality=78, icc=icc)
    result.keys["thumb"] = put("thumb.jpg", thumb, "image/jpeg")


_strict = threading.Lock()


def _load_strictly(image: Image.Image) -> None:
    """Decode, refusing a truncated file even where another library (WeasyPrint) told Pillow to accept them."""
    with _strict:
        accept = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            image.load()
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = accept


def decoded(path: Path, limits: Limits, box: int = PREVIEW_BOX) -> tuple[Image.Image, Result]:
    """Open, bound, and decode an image at the smallest scale that still fills ``box``; upright, with capture data.

    A JPEG decodes at 1/2, 1/4 or 1/8 scale (``draft``), so a 100-megapixel photo never lies whole in memory."""
    try:
        with warnings.catch_warnings():
            # Pillow warns between one and two times its ceiling; the explicit bound below decides instead.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path)
    except Image.DecompressionBombError as exc:
        raise PreviewFailed(
            f"This image claims far more pixels than previews are made for (over {limits.max_image_pixels / 1e6:.0f}"
            " megapixels). The original is unchanged and can still be downloaded."
        ) from exc
    except UnidentifiedImageError as exc:
        raise PreviewFailed(UNREADABLE) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise PreviewFailed(DAMAGED) from exc
    with image:
        width, height = image.size
        if width <= 0 or height <= 0:
            raise PreviewFailed(UNREADABLE)
        if width * height > limits.max_image_pixels:
            raise too_many_pixels(width, height, limits.max_image_pixels)
        capture = read_capture(image)
        try:
            orientation = image.getexif().get(0x0112, 1)
        except Exception:
            orientation = 1
        icc = image.info.get("icc_profile")
        if image.format == "JPEG":
            # The smallest scale whose longer side still reaches the box: 1/4 for a 100-megapixel photo.
            scale = min(1.0, box / max(width, height))
            image.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
        if image.width * image.height * max(len(image.getbands()), 3) > limits.max_decode_bytes:
            raise too_many_pixels(width, height, limits.max_decode_bytes // 4)
        try:
            if getattr(image, "n_frames", 1) > 1:
                image.seek(0)
            _load_strictly(image)
            # Loaded pixels outlive the closed file: no second copy of a large decode.
            working = image
        except Image.DecompressionBombError as exc:
            raise too_many_pixels(width, height, limits.max_image_pixels) from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise PreviewFailed(DAMAGED) from exc
    working.info["icc_profile"] = icc
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    if orientation in UPRIGHT:
        working = working.transpose(UPRIGHT[orientation])
    result = photo_result(width, height, capture)
    return working, result


@register
class Photos(PreviewKind):
    """JPEG, PNG, WebP, GIF and HEIC photos."""

    name = IMAGE
    content_types = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif", *HEIF_TYPES})

    def make(self, path: Path, content_type: str, put: Put, limits: Limits) -> Result:
        """Decode at reduced scale, turn upright, and store a preview and a thumbnail without metadata."""
        set_pillow_ceiling(limits)
        image, result = decoded(path, limits)
        store_stills(image, put, result, icc=image.info.get("icc_profile"))
        return result
