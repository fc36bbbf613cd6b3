"""Logo checks and the accent-colour contrast rule."""

import io

import pytest
from PIL import Image

from portal.images import ImageRejected, contrast_with_white, prepare_logo
from tests.samples import jpeg_bytes, png_bytes


def test_logo_is_resized_to_fit_and_reencoded_as_png():
    png = prepare_logo(io.BytesIO(jpeg_bytes((1600, 400))), 2_000_000)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == (512, 128)


def test_small_logo_keeps_its_size():
    with Image.open(io.BytesIO(prepare_logo(io.BytesIO(png_bytes((100, 50))), 2_000_000))) as image:
        assert image.size == (100, 50)


@pytest.mark.parametrize(
    "data,message",
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "not a readable image"),
        (b"just text pretending to be a png", "not a readable image"),
        (png_bytes()[:40], "not a readable image"),
        (b"", "Choose an image"),
    ],
)
def test_non_images_rejected(data, message):
    with pytest.raises(ImageRejected, match=message):
        prepare_logo(io.BytesIO(data), 2_000_000)


def test_oversize_logo_rejected():
    with pytest.raises(ImageRejected, match="smaller than"):
        prepare_logo(io.BytesIO(png_bytes((400, 400)) + bytes(5000)), 1024)


def test_decompression_bomb_rejected():
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")
    with pytest.raises(ImageRejected, match="too large in pixels"):
        prepare_logo(io.BytesIO(out.getvalue()), 10_000_000)


def test_contrast():
    assert contrast_with_white("#000000") == pytest.approx(21)
    assert contrast_with_white("#1d4ed8") > 4.5
    assert contrast_with_white("#ffff00") < 4.5
