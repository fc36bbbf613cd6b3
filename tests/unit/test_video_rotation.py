"""Videos recorded turned (a display matrix, as phones and drones write it) get upright previews."""

from __future__ import annotations

import io
from types import SimpleNamespace

import av
import pytest
from PIL import Image

from portal.previews.video import upright_turn
from tests import media_samples

RED_CORNER = {
    # counter-clockwise turn → where the red top-left corner of the recorded picture is once shown upright
    -90: "top-right",
    90: "bottom-left",
    180: "bottom-right",
}


def red_corner(image: Image.Image) -> str:
    """Which corner of a picture is the red one."""
    image = image.convert("RGB")
    w, h = image.size
    corners = {
        "top-left": (3, 3),
        "top-right": (w - 4, 3),
        "bottom-left": (3, h - 4),
        "bottom-right": (w - 4, h - 4),
    }
    red = [name for name, xy in corners.items() if image.getpixel(xy)[0] > 180 and image.getpixel(xy)[2] < 100]
    assert len(red) == 1, red
    return red[0]


def first_frame(data: bytes, tmp_path) -> tuple[Image.Image, int, int]:
    path = tmp_path / "proxy.mp4"
    path.write_bytes(data)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frame = next(container.decode(stream))
        frames = 1 + sum(1 for _ in container.decode(stream))
        return frame.to_image(), frame.rotation, frames


@pytest.mark.parametrize("rotation", [-90, 90, 180])
def test_a_turned_h264_video_gets_an_upright_poster_and_size_and_no_proxy(tmp_path, rotation):
    data = media_samples.video_bytes(size=(320, 240), rotation=rotation)
    result, objects = media_samples.previews_of(tmp_path, data, "video/mp4")
    upright = (240, 320) if rotation in (90, -90) else (320, 240)
    assert (result.width, result.height) == upright
    poster = Image.open(io.BytesIO(objects["poster.jpg"]))
    assert poster.size == upright and red_corner(poster) == RED_CORNER[rotation]
    thumb = Image.open(io.BytesIO(objects["thumb.jpg"]))
    assert (thumb.width < thumb.height) == (rotation != 180)
    assert set(result.keys) == {"poster", "thumb"}  # browsers honour the display matrix of a playable MP4


def test_a_portrait_phone_video_in_hevc_gets_an_upright_720p_proxy(tmp_path):
    # 1920 × 1080 as recorded, "rotate 90° clockwise" to show: a portrait 1080 × 1920 video.
    data = media_samples.video_bytes("libx265", seconds=0.25, size=(1920, 1080), rotation=-90)
    result, objects = media_samples.previews_of(tmp_path, data, "video/mp4")
    assert (result.width, result.height) == (1080, 1920) and result.codec == "hevc"
    assert set(result.keys) == {"poster", "thumb", "proxy"}
    picture, rotation, frames = first_frame(objects["proxy.mp4"], tmp_path)
    assert picture.size == (720, 1280) and rotation == 0  # upright in its pixels: no matrix left to honour
    assert red_corner(picture) == "top-right" and frames == 6
    poster = Image.open(io.BytesIO(objects["poster.jpg"]))
    assert poster.height == 1280 and poster.width == 720 and red_corner(poster) == "top-right"


def test_a_proxy_of_a_video_turned_upside_down_keeps_its_size(tmp_path):
    data = media_samples.video_bytes("prores_ks", fmt="mov", rotation=180)
    result, objects = media_samples.previews_of(tmp_path, data, "video/quicktime")
    assert (result.width, result.height) == (320, 240)
    picture, rotation, frames = first_frame(objects["proxy.mp4"], tmp_path)
    assert picture.size == (320, 240) and rotation == 0 and frames == 24
    assert red_corner(picture) == "bottom-right"


@pytest.mark.parametrize(
    ("matrix", "tag", "turn"),
    [
        (0, None, 0),
        (-90, None, 270),
        (90, None, 90),
        (-180, None, 180),
        (0, "90", 270),  # an older file's tag says clockwise
        (0, "270", 90),
        (-88, None, 270),  # a matrix a little off a right angle
        (0, "sideways", 0),  # a broken tag is no turn
        (-90, "180", 270),  # the display matrix rules
    ],
)
def test_upright_turn(matrix, tag, turn):
    frame = SimpleNamespace(rotation=matrix)
    stream = SimpleNamespace(metadata={"rotate": tag} if tag is not None else {})
    assert upright_turn(frame, stream) == turn
