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


# Pixel bounds and thumbnails: a header can claim far more pixels than its few bytes suggest.


def huge_png(size=(12000, 12000)) -> bytes:
    """A real 144-megapixel PNG of a few kilobytes (one bit per pixel, all zero)."""
    out = io.BytesIO()
    Image.new("1", size).save(out, "PNG")
    return out.getvalue()


def _count_decodes(monkeypatch) -> list:
    """Record the size of every image Pillow decodes."""
    from PIL import ImageFile

    decoded = []
    original = ImageFile.ImageFile.load

    def load(self):
        if self.tile:  # bytes still to decode (a later load() of the same image is free)
            decoded.append(self.size)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return decoded


def test_huge_image_is_refused_from_its_header_without_decoding(monkeypatch):
    from portal.images import check_pixels

    data = huge_png()
    decoded = _count_decodes(monkeypatch)
    stream = io.BytesIO(data)
    with pytest.raises(ImageRejected, match=r"12000 × 12000 pixels \(144 megapixels\); images up to 100 megapixels"):
        check_pixels(stream, "site.png", max_pixels=100_000_000)
    assert decoded == [] and stream.tell() == 0
    check_pixels(io.BytesIO(data), "site.png", max_pixels=150_000_000)  # within a larger bound: accepted


def png_header(width: int, height: int) -> bytes:
    """The first bytes of a PNG claiming any size: all a header check reads."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(bytes(64))) + chunk(b"IEND", b"")


def test_a_header_beyond_pillows_own_ceiling_is_refused_too():
    from portal.images import check_pixels

    with pytest.raises(ImageRejected, match=r"is 10000 megapixels; images up to 100 megapixels"):
        check_pixels(io.BytesIO(png_header(100_000, 100_000)), "bomb.png", max_pixels=100_000_000)


def test_tiff_orthomosaics_are_not_bounded_at_upload():
    from portal.uploads import check_upload

    out = io.BytesIO()
    Image.new("1", (12000, 12000)).save(out, "TIFF", compression="group4")
    checked = check_upload("ortho.tif", io.BytesIO(out.getvalue()))
    assert checked.content_type == "image/tiff"


def test_thumbnail_of_an_image_over_the_bound_is_not_decoded(monkeypatch):
    from portal.images import make_thumbnail

    data = huge_png()
    decoded = _count_decodes(monkeypatch)
    assert make_thumbnail(io.BytesIO(data), (480, 480), max_pixels=100_000_000) is None
    assert decoded == []


def test_jpeg_thumbnail_is_decoded_at_reduced_scale(monkeypatch):
    from portal.images import make_thumbnail

    data = jpeg_bytes((4000, 3000))
    decoded = _count_decodes(monkeypatch)
    thumb = make_thumbnail(io.BytesIO(data), (480, 480), max_pixels=100_000_000)
    with Image.open(io.BytesIO(thumb)) as image:
        assert image.format == "JPEG" and image.size == (480, 360)
    # Decoded at 1/4 scale (1000 × 750) instead of 12 megapixels.
    assert decoded[0][0] * decoded[0][1] <= 4000 * 3000 / 16


def test_thumbnail_follows_exif_orientation():
    from portal.images import make_thumbnail

    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90° clockwise
    Image.new("RGB", (1200, 800), (10, 20, 30)).save(out, "JPEG", exif=exif)
    with Image.open(io.BytesIO(make_thumbnail(io.BytesIO(out.getvalue()), (480, 480)))) as image:
        assert image.size == (320, 480)


def rgba_png(width: int, height: int) -> bytes:
    """A real RGBA PNG of any size, built row by row (never held decoded in memory): a few hundred KB."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer, row, idat = zlib.compressobj(9), bytes(1 + 4 * width), []
    idat.extend(packer.compress(row) for _ in range(height))
    idat.append(packer.flush())
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", b"".join(idat)) + chunk(b"IEND", b"")


def test_a_thumbnail_never_decodes_more_than_about_100_mb(monkeypatch):
    """A lossless image cannot be decoded at reduced scale: within the upload bound, a 100-megapixel RGBA PNG of
    a few hundred KB would take 400 MB to decode in the request. Such an image gets no preview instead."""
    from PIL import ImageFile

    from portal.images import make_thumbnail

    decoded = []
    original = ImageFile.ImageFile.load

    def load(self):
        if self.tile:
            decoded.append(self.size[0] * self.size[1] * len(self.getbands()))
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    assert make_thumbnail(io.BytesIO(rgba_png(10_000, 10_000)), (480, 480), max_pixels=100_000_000) is None
    assert make_thumbnail(io.BytesIO(rgba_png(4_000, 3_000)), (480, 480), max_pixels=100_000_000) is not None
    assert decoded and max(decoded) <= 100_000_000
