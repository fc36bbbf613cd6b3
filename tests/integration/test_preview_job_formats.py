"""The preview job on formats with their own path: turned phone videos and DNG raw photos."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from portal.extensions import db
from portal.models import StoredFile
from portal.models.media import FAILED, IMAGE, READY, VIDEO
from portal.storage import get_storage
from tests import media_samples
from tests.factories import make_org, make_project
from tests.media_world import media_row, upload_as_operator


def _image(key: str) -> Image.Image:
    with get_storage().open(key) as stream:
        image = Image.open(io.BytesIO(stream.read()))
        image.load()
        return image


def test_a_portrait_phone_video_is_recorded_upright(ctx):
    project = make_project(make_org())
    ids = upload_as_operator(
        project,
        ("portrait.mp4", media_samples.video_bytes(size=(320, 240), rotation=-90)),
        ("portrait-hevc.mov", media_samples.video_bytes("libx265", fmt="mov", size=(320, 240), rotation=-90)),
    )
    for file_id in ids:
        row = media_row(file_id)
        assert row.status == READY and row.kind == VIDEO and row.error is None
        assert (row.width, row.height) == (240, 320)
        assert _image(row.poster_key).size == (240, 320)
        thumb = _image(row.thumb_key)
        assert thumb.width < thumb.height
    assert media_row(ids[0]).proxy_key is None and media_row(ids[1]).proxy_key is not None


def test_a_drone_dng_is_previewed_and_placed_and_a_broken_one_says_why(ctx):
    project = make_project(make_org())
    data = media_samples.dng_bytes((256, 192), gps=(51.5007, -0.1246))
    good, broken = upload_as_operator(project, ("DJI_0001.DNG", data), ("DJI_0002.DNG", data[: len(data) // 2]))
    assert db.session.get(StoredFile, good).content_type == "image/tiff"  # what libmagic calls a DNG
    row = media_row(good)
    assert row.status == READY and row.kind == IMAGE and row.error is None
    assert (row.width, row.height) == (256, 192) and row.camera == "DJI FC3582"
    assert (row.latitude, row.longitude) == (pytest.approx(51.5007, abs=1e-5), pytest.approx(-0.1246, abs=1e-5))
    assert row.overlay_key is None and _image(row.preview_key).format == "JPEG"
    assert max(_image(row.thumb_key).size) <= 400
    row = media_row(broken)
    assert row.status == FAILED and "raw photo (DNG) is damaged or incomplete" in row.error
    assert not row.derived_keys()
