"""Image uploads are bounded in pixels, and a thumbnail is decoded once, at reduced scale, then served from storage."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

from portal import multipart
from portal.extensions import db
from portal.models import StoredFile
from portal.storage import get_storage
from tests.conftest import HX, login
from tests.factories import make_org, make_project, make_user
from tests.portal_world import make_world, store
from tests.samples import jpeg_bytes
from tests.unit.test_images import _count_decodes, huge_png, png_header


def _stored_objects(app) -> set:
    with app.app_context():
        return {p for p in get_storage().root.rglob("*") if p.is_file()}


def _file_count(app) -> int:
    with app.app_context():
        return db.session.execute(db.select(db.func.count(StoredFile.id))).scalar()


def test_operator_upload_of_a_huge_image_is_refused_and_nothing_stored(app, monkeypatch):
    with app.app_context():
        org = make_org()
        user = make_user(org)
        project_id = make_project(org).id
        browser = login(app.test_client(), user, org)
    before = _stored_objects(app)
    decoded = _count_decodes(monkeypatch)
    response = browser.post(
        f"/app/projects/{project_id}/files",
        data={"files": [(io.BytesIO(jpeg_bytes()), "fine.jpg"), (io.BytesIO(huge_png()), "site plan.png")]},
        content_type="multipart/form-data",
        headers=HX,
    )
    assert response.status_code == 200
    assert "“site plan.png” is 12000 × 12000 pixels (144 megapixels)" in response.text
    assert "images up to 100 megapixels are accepted" in response.text
    assert decoded == []
    assert _file_count(app) == 0 and _stored_objects(app) == before


def test_a_header_claiming_ten_gigapixels_is_refused(app):
    with app.app_context():
        org = make_org()
        user = make_user(org)
        project_id = make_project(org).id
        browser = login(app.test_client(), user, org)
    response = browser.post(
        f"/app/projects/{project_id}/files",
        data={"files": [(io.BytesIO(png_header(100_000, 100_000)), "bomb.png")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "“bomb.png” is 10000 megapixels" in response.text
    assert _file_count(app) == 0


def test_client_upload_of_a_huge_image_is_refused(app):
    with app.app_context():
        world = make_world(app, slug="huge-upload", allow_uploads=True)
        upload_url = world.url(f"/projects/{world.project.id}/files")
        files_before = _file_count(app)
    response = world.browser.post(
        upload_url,
        data={"files": [(io.BytesIO(huge_png()), "drone.png")]},
        content_type="multipart/form-data",
        headers=HX,
    )
    assert response.status_code == 200 and "images up to 100 megapixels are accepted" in response.text
    assert _file_count(app) == files_before


def test_a_thumbnail_is_decoded_once_then_served_from_storage(app, monkeypatch):
    with app.app_context():
        world = make_world(app, slug="thumb-once")
        photo = store(world.project, "roof.jpg", jpeg_bytes((3000, 2000)), "image/jpeg", world.review)
        thumb_url = world.url(f"/files/{photo.id}/thumb")
    decoded = _count_decodes(monkeypatch)
    first = world.browser.get(thumb_url)
    second = world.browser.get(thumb_url)
    assert first.status_code == second.status_code == 200 and first.data == second.data
    assert first.data.startswith(b"\xff\xd8")
    assert len(decoded) == 1 and decoded[0][0] * decoded[0][1] < 3000 * 2000 / 10


def test_parallel_first_thumbnail_requests_all_succeed_with_the_same_bytes(app):
    with app.app_context():
        world = make_world(app, slug="thumb-race")
        photo = store(world.project, "mast.jpg", jpeg_bytes((2400, 1600)), "image/jpeg", world.review)
        thumb_url = world.url(f"/files/{photo.id}/thumb")
    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(lambda _i: world.browser.get(thumb_url), range(12)))
    assert {r.status_code for r in responses} == {200}
    assert len({r.data for r in responses}) == 1
    with app.app_context():
        # Temporary files of the thumbnail cache (uploads in parts keep theirs under their own folder).
        root = get_storage().root
        leftovers = [p.name for p in root.rglob("*.part") if multipart.LOCAL_DIR not in p.relative_to(root).parts]
    assert leftovers == []


def test_an_image_over_the_bound_stored_earlier_gets_no_thumbnail_and_is_not_decoded(app, monkeypatch):
    with app.app_context():
        world = make_world(app, slug="thumb-huge")
        huge = store(world.project, "old.png", huge_png(), "image/png", world.review)
        thumb_url = world.url(f"/files/{huge.id}/thumb")
    decoded = _count_decodes(monkeypatch)
    assert world.browser.get(thumb_url).status_code == 404
    assert decoded == []
