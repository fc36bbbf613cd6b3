"""Preview kinds on tiny media made here: what they read, what they make, and how they refuse bad files."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from fractions import Fraction

import av
import pytest
from PIL import Image

from portal.models.media import GEOTIFF, IMAGE, VIDEO
from portal.previews import Limits, PreviewFailed, is_previewable
from portal.previews.exif import plausible_position
from portal.previews.video import playable
from tests import media_samples


def image_of(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_jpeg_with_exif_gps_gives_position_time_camera_and_altitude(tmp_path):
    result, objects = media_samples.previews_of(tmp_path, media_samples.gps_jpeg(48.85837, -2.294481), "image/jpeg")
    assert result.kind == IMAGE and (result.width, result.height) == (640, 480)
    assert result.latitude == pytest.approx(48.85837, abs=1e-5)
    assert result.longitude == pytest.approx(-2.294481, abs=1e-5)
    assert result.captured_at == datetime(2026, 5, 4, 8, 30, tzinfo=UTC)  # 10:30 at +02:00
    assert result.camera == "DJI FC3582" and result.relative_altitude == pytest.approx(45.2)
    assert set(result.keys) == {"preview", "thumb"}
    preview = image_of(objects["preview.jpg"])
    assert preview.format == "JPEG" and preview.size == (640, 480)
    assert not preview.getexif() and "xmp" not in preview.info  # metadata stripped, GPS included
    assert max(image_of(objects["thumb.jpg"]).size) == 400


def test_preview_is_turned_upright_and_fits_2048(tmp_path):
    data = media_samples.gps_jpeg(size=(3000, 2000), orientation=6)
    result, objects = media_samples.previews_of(tmp_path, data, "image/jpeg")
    assert (result.width, result.height) == (2000, 3000)
    preview = image_of(objects["preview.jpg"])
    assert max(preview.size) <= 2048 and preview.height > preview.width
    # The red marker of the top-left corner is top-right once turned 90° clockwise.
    r, g, b = preview.convert("RGB").getpixel((preview.width - 5, 5))
    assert r > 200 and b < 80


@pytest.mark.parametrize(
    ("latitude", "longitude", "raw"),
    [
        (0.0, 0.0, None),  # no fix: a camera writes zeros
        (48.0, 2.0, (Fraction(123), Fraction(0), Fraction(0))),  # 123° north
        (48.0, 2.0, (Fraction(48), Fraction(75), Fraction(0))),  # 75 minutes
    ],
)
def test_absurd_coordinates_are_dropped_and_the_preview_still_made(tmp_path, latitude, longitude, raw):
    data = media_samples.gps_jpeg(latitude, longitude, raw_latitude=raw)
    result, objects = media_samples.previews_of(tmp_path, data, "image/jpeg")
    assert result.latitude is None and result.longitude is None
    assert "preview.jpg" in objects and result.camera == "DJI FC3582"


def test_plausible_position():
    assert plausible_position(-33.86, 151.21)
    for lat, lon in [(91, 0), (0, 181), (float("nan"), 1), (1, float("inf")), (0, 0), (None, 3)]:
        assert not plausible_position(lat, lon)


def test_capture_time_without_offset_is_read_as_utc(tmp_path):
    result, _ = media_samples.previews_of(tmp_path, media_samples.gps_jpeg(offset=None), "image/jpeg")
    assert result.captured_at == datetime(2026, 5, 4, 10, 30, tzinfo=UTC)


def test_heic_photo(tmp_path):
    result, objects = media_samples.previews_of(tmp_path, media_samples.heic_bytes(), "image/heic")
    assert result.kind == IMAGE and (result.width, result.height) == (320, 240)
    assert image_of(objects["preview.jpg"]).format == "JPEG"


def test_decompression_bomb_fails_clearly(tmp_path):
    with pytest.raises(PreviewFailed, match="megapixels"):
        media_samples.previews_of(tmp_path, media_samples.bomb_png(), "image/png")


def test_image_over_the_configured_bound_fails_before_decoding(tmp_path):
    data = media_samples.plain_jpeg((1000, 1000))
    with pytest.raises(PreviewFailed, match="1000 × 1000 pixels"):
        media_samples.previews_of(tmp_path, data, "image/jpeg", limits=Limits(max_image_pixels=500_000))


def test_truncated_jpeg_fails_clearly(tmp_path, monkeypatch):
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # as WeasyPrint leaves it
    with pytest.raises(PreviewFailed, match="damaged or incomplete"):
        media_samples.previews_of(tmp_path, media_samples.truncated_jpeg(), "image/jpeg")


def test_not_an_image_fails_clearly(tmp_path):
    with pytest.raises(PreviewFailed, match="could not be read as an image"):
        media_samples.previews_of(tmp_path, b"%PDF-1.4 not a picture", "image/png")


def test_h264_video_gets_poster_facts_and_no_proxy(tmp_path):
    result, objects = media_samples.previews_of(tmp_path, media_samples.video_bytes(), "video/mp4")
    assert result.kind == VIDEO and result.codec == "h264"
    assert (result.width, result.height) == (320, 240) and result.duration == pytest.approx(1.0, abs=0.1)
    assert set(result.keys) == {"poster", "thumb"}
    assert image_of(objects["poster.jpg"]).size == (320, 240)


def _streams(data: bytes, tmp_path) -> tuple:
    path = tmp_path / "proxy.mp4"
    path.write_bytes(data)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        return stream.codec_context.name, stream.codec_context.pix_fmt, stream.width, stream.height, frames


@pytest.mark.parametrize(
    ("codec", "fmt", "content_type", "name"),
    [("libx265", "mp4", "video/mp4", "hevc"), ("prores_ks", "mov", "video/quicktime", "prores")],
)
def test_video_browsers_cannot_play_gets_an_h264_proxy(tmp_path, codec, fmt, content_type, name):
    result, objects = media_samples.previews_of(tmp_path, media_samples.video_bytes(codec, fmt=fmt), content_type)
    assert result.codec == name and set(result.keys) == {"poster", "thumb", "proxy"}
    assert _streams(objects["proxy.mp4"], tmp_path) == ("h264", "yuv420p", 320, 240, 24)


def test_a_proxy_keeps_the_sound(tmp_path):
    data = media_samples.video_bytes("libx265", fmt="mov", audio=True)
    _result, objects = media_samples.previews_of(tmp_path, data, "video/quicktime")
    path = tmp_path / "proxy.mp4"
    path.write_bytes(objects["proxy.mp4"])
    with av.open(str(path)) as container:
        assert [(s.type, s.codec_context.name) for s in container.streams] == [("video", "h264"), ("audio", "aac")]


def test_large_video_proxy_is_720p(tmp_path):
    data = media_samples.video_bytes("mpeg4", seconds=0.25, size=(1920, 1080))
    result, objects = media_samples.previews_of(tmp_path, data, "video/mp4")
    assert result.codec == "mpeg4"
    assert _streams(objects["proxy.mp4"], tmp_path)[2:4] == (1280, 720)


def test_playable():
    assert playable("h264", "yuv420p", "video/mp4") and playable("vp9", "yuv420p", "video/webm")
    assert not playable("h264", "yuv420p", "video/quicktime")  # served as a download, not in the page
    assert not playable("h264", "yuv422p10le", "video/mp4")  # 10-bit 4:2:2: browsers show nothing
    assert not playable("hevc", "yuv420p", "video/mp4")


@pytest.mark.parametrize("data", [media_samples.truncated_video(), b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 500])
def test_broken_video_fails_clearly(tmp_path, data):
    with pytest.raises(PreviewFailed, match="damaged or incomplete"):
        media_samples.previews_of(tmp_path, data, "video/mp4")


def test_geotiff_in_utm_gets_wgs84_bounds_and_a_web_mercator_overlay(tmp_path):
    result, objects = media_samples.previews_of(tmp_path, media_samples.geotiff_bytes("EPSG:32633"), "image/tiff")
    assert result.kind == GEOTIFF and result.crs == "EPSG:32633"
    south, west, north, east = result.overlay_bounds
    # UTM 33N, easting 500 000 m is the zone's central meridian, 15° E; 5 000 km north is about 45.15° N.
    assert west == pytest.approx(15.0, abs=1e-4) and east == pytest.approx(15.00127, abs=1e-4)
    assert 45.15 < south < north < 45.16
    overlay = image_of(objects["overlay.png"])
    assert overlay.format == "PNG" and overlay.mode == "RGBA" and max(overlay.size) <= 2048
    assert set(result.keys) == {"overlay", "preview", "thumb"}


def test_tiff_without_crs_is_previewed_as_a_plain_image(tmp_path):
    result, objects = media_samples.previews_of(tmp_path, media_samples.geotiff_bytes(None), "image/tiff")
    assert result.kind == IMAGE and result.crs is None and result.overlay_bounds is None
    assert set(objects) == {"preview.jpg", "thumb.jpg"}


def test_geotiff_whose_bounds_are_off_the_globe_fails_clearly(tmp_path):
    data = media_samples.geotiff_bytes("EPSG:4326", origin=(500.0, 95.0), pixel=0.001)
    with pytest.raises(PreviewFailed, match="do not lie on the map"):
        media_samples.previews_of(tmp_path, data, "image/tiff")


def test_raster_over_its_bound_fails_clearly(tmp_path):
    with pytest.raises(PreviewFailed, match="megapixels"):
        media_samples.previews_of(
            tmp_path, media_samples.geotiff_bytes(), "image/tiff", limits=Limits(max_raster_pixels=10_000)
        )


def test_truncated_tiff_fails_clearly(tmp_path):
    data = media_samples.geotiff_bytes()
    with pytest.raises(PreviewFailed):
        media_samples.previews_of(tmp_path, data[:300], "image/tiff")


def test_which_types_get_previews():
    assert all(is_previewable(t) for t in ("image/jpeg", "image/tiff", "image/heic", "video/quicktime"))
    assert not any(is_previewable(t) for t in ("application/pdf", "application/zip", "image/svg+xml", None))


def test_a_large_jpeg_is_decoded_at_reduced_scale(tmp_path):
    from portal.previews.images import decoded

    path = tmp_path / "big.jpg"
    path.write_bytes(media_samples.plain_jpeg((8192, 6144)))
    image, result = decoded(path, Limits())
    assert (result.width, result.height) == (8192, 6144)
    assert image.size == (2048, 1536)  # decoded at 1/4: a sixteenth of the pixels
