"""Raw photos (DNG, as DJI drones and phones write them) through LibRaw (rawpy): developed at half size, turned
upright, then a preview and a thumbnail like any photo, and the capture data from the DNG's own EXIF and XMP.

libmagic names a DNG "image/tiff" (a DNG is a TIFF), so the TIFF kind hands a file to this one when its first
directory carries a DNG version."""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image

from portal.models.media import IMAGE
from portal.previews import Limits, PreviewFailed, PreviewKind, Put, Result, register
from portal.previews.exif import Capture, capture_from
from portal.previews.images import photo_result, store_stills, too_many_pixels

DNG_VERSION, XMP = 50706, 700
# Bytes a half-size development holds per sensor pixel: the 16-bit mosaic, LibRaw's four 16-bit channels at
# a quarter of the pixels, and the 8-bit RGB result.
DECODE_BYTES_PER_PIXEL = 5
DAMAGED = "This raw photo (DNG) is damaged or incomplete, so no preview could be made. Upload it again."
TOO_LARGE = "This raw photo is too large to preview. The original is unchanged and can still be downloaded."
UNSUPPORTED = (
    "This raw photo is in a form the raw reader does not know, so no preview could be made. The original is "
    "unchanged and can still be downloaded."
)


def _directory(path: Path, read) -> object:
    """Open a TIFF's first directory with Pillow (tags only, no pixels) and apply ``read`` while it is open."""
    with open(path, "rb") as stream, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a truncated directory warns; what it lacks is simply not read
        exif = Image.Exif()
        exif.load_from_fp(stream)
        return read(exif)


def is_dng(path: Path) -> bool:
    """Whether a TIFF is a DNG: its first directory says which DNG version it follows."""
    try:
        return bool(_directory(path, lambda exif: exif.get(DNG_VERSION)))
    except Exception:  # not a TIFF, or a broken one: the TIFF kind says why
        return False


def read_dng_capture(path: Path) -> Capture:
    """Where, when and with what a DNG was taken, from its EXIF, GPS IFD and XMP; empty when unreadable."""
    try:
        return _directory(path, lambda exif: capture_from(exif, exif.get(XMP)))
    except Exception:  # broken tags must not cost the preview
        return Capture()


@register
class RawPhotos(PreviewKind):
    """DNG raw photos."""

    name = IMAGE
    content_types = frozenset({"image/x-adobe-dng", "image/dng"})

    def make(self, path: Path, content_type: str, put: Put, limits: Limits) -> Result:
        """Develop at half size with the camera's white balance, turn upright, and store a preview and a thumbnail."""
        import rawpy

        width = height = 0
        try:
            with rawpy.imread(str(path)) as raw:
                sizes = raw.sizes
                width, height = sizes.width, sizes.height
                if width <= 0 or height <= 0:
                    raise PreviewFailed(DAMAGED)
                if width * height > limits.max_image_pixels:
                    raise too_many_pixels(width, height, limits.max_image_pixels)
                if sizes.raw_width * sizes.raw_height * DECODE_BYTES_PER_PIXEL > limits.max_decode_bytes:
                    raise too_many_pixels(width, height, limits.max_decode_bytes // DECODE_BYTES_PER_PIXEL)
                rgb = raw.postprocess(half_size=True, use_camera_wb=True, output_bps=8)
        except rawpy.LibRawFileUnsupportedError as exc:
            raise PreviewFailed(UNSUPPORTED) from exc
        except (rawpy.LibRawTooBigError, rawpy.LibRawUnsufficientMemoryError) as exc:
            if width and height:
                raise too_many_pixels(width, height, limits.max_image_pixels) from exc
            raise PreviewFailed(TOO_LARGE) from exc
        except (rawpy.LibRawError, rawpy.NotSupportedError, OSError, ValueError) as exc:
            raise PreviewFailed(DAMAGED) from exc
        if sizes.flip in (5, 6):  # LibRaw's quarter turns: the developed picture is already upright
            width, height = height, width
        capture = read_dng_capture(path)
        result = photo_result(width, height, capture)
        store_stills(Image.fromarray(rgb, "RGB"), put, result)
        return result
