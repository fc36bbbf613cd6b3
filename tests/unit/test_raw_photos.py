"""DNG raw photos (made here by PiDNG) developed by LibRaw: previews, capture data, refusals."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image

from portal.models.media import IMAGE
from portal.previews import Limits, PreviewFailed, is_previewable
from portal.previews.raw import is_dng, read_dng_capture
from tests import media_samples


def run(tmp_path, data: bytes, content_type: str = "image/tiff", limits: Limits | None = None):
    """The raw kind's run; a DNG arrives as image/tiff unless told."""
    return media_samples.previews_of(tmp_path, data, content_type, limits=limits)


def picture(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.convert("RGB")


def is_red(pixel) -> bool:
    r, g, b = pixel
    return r > 150 and b < 100


# libmagic names a DNG image/tiff; some versions say image/x-adobe-dng.
@pytest.mark.parametrize("content_type", ["image/tiff", "image/x-adobe-dng"])
def test_a_dng_gets_a_developed_preview_thumbnail_and_gps(tmp_path, content_type):
    result, objects = run(tmp_path, media_samples.dng_bytes((256, 192)), content_type)
    assert result.kind == IMAGE and (result.width, result.height) == (256, 192)
    assert result.crs is None and result.overlay_bounds is None
    assert result.latitude == pytest.approx(48.85837, abs=1e-5)
    assert result.longitude == pytest.approx(2.294481, abs=1e-5)
    assert result.camera == "DJI FC3582"
    assert set(objects) == {"preview.jpg", "thumb.jpg"} and set(result.keys) == {"preview", "thumb"}
    preview = picture(objects["preview.jpg"])
    assert preview.size == (128, 96)  # developed at half size
    assert is_red(preview.getpixel((4, 4))) and not is_red(preview.getpixel((120, 90)))
    assert preview.getpixel((120, 90))[2] > 150  # the rest is blue: colours come through the Bayer pattern


def test_a_dng_turned_by_its_orientation_is_previewed_upright(tmp_path):
    result, objects = run(tmp_path, media_samples.dng_bytes((256, 192), orientation=6))
    assert (result.width, result.height) == (192, 256)
    preview = picture(objects["preview.jpg"])
    assert preview.size == (96, 128)
    assert is_red(preview.getpixel((preview.width - 4, 4)))  # top-left turned 90° clockwise: top-right


def test_a_dng_without_gps_has_no_position(tmp_path):
    result, objects = run(tmp_path, media_samples.dng_bytes(gps=None))
    assert result.latitude is None and result.longitude is None and "preview.jpg" in objects


def test_a_dng_whose_gps_is_absurd_keeps_its_preview_without_a_position(tmp_path):
    result, objects = run(tmp_path, media_samples.dng_bytes(gps=(0.0, 0.0)))
    assert result.latitude is None and result.longitude is None and "preview.jpg" in objects


@pytest.mark.parametrize("keep", [0.5, 0.1])
def test_a_truncated_dng_fails_clearly(tmp_path, keep):
    data = media_samples.dng_bytes()
    with pytest.raises(PreviewFailed, match=r"raw photo \(DNG\) is damaged or incomplete"):
        run(tmp_path, data[: int(len(data) * keep)])


def test_a_dng_with_a_garbled_picture_fails_clearly(tmp_path):
    data = bytearray(media_samples.dng_bytes())
    data[8:40] = b"\xff" * 32  # the first directory's entries
    with pytest.raises(PreviewFailed):
        run(tmp_path, bytes(data), "image/x-adobe-dng")


def test_a_file_called_dng_that_is_not_raw_fails_clearly(tmp_path):
    with pytest.raises(PreviewFailed, match="raw reader does not know"):
        run(tmp_path, b"II*\x00" + b"not a raw photo" * 20, "image/x-adobe-dng")


def test_a_dng_over_the_pixel_bound_is_refused_before_developing(tmp_path):
    with pytest.raises(PreviewFailed, match="256 × 192 pixels"):
        run(tmp_path, media_samples.dng_bytes((256, 192)), limits=Limits(max_image_pixels=10_000))
    with pytest.raises(PreviewFailed, match="megapixels"):
        run(tmp_path, media_samples.dng_bytes((256, 192)), limits=Limits(max_decode_bytes=100_000))


def claiming(data: bytes, width: int, height: int) -> bytes:
    """A DNG whose first directory claims another size than its picture data holds."""
    out = bytearray(data)
    for entry in range(struct.unpack_from("<H", out, 8)[0]):
        offset = 10 + 12 * entry
        tag = struct.unpack_from("<H", out, offset)[0]
        if tag in (256, 257):  # ImageWidth, ImageLength (LONG)
            struct.pack_into("<I", out, offset + 8, width if tag == 256 else height)
    return bytes(out)


def test_a_dng_claiming_billions_of_pixels_is_refused_before_developing(tmp_path):
    data = claiming(media_samples.dng_bytes((256, 192)), 60_000, 60_000)
    with pytest.raises(PreviewFailed, match="60000 × 60000 pixels"):
        run(tmp_path, data)


def test_dng_detection(tmp_path):
    dng, plain, junk = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    dng.write_bytes(media_samples.dng_bytes())
    plain.write_bytes(media_samples.geotiff_bytes())
    junk.write_bytes(b"\x00" * 10)
    assert is_dng(dng) and not is_dng(plain) and not is_dng(junk)
    assert read_dng_capture(junk).latitude is None
    assert is_previewable("image/x-adobe-dng")
