""" "Download all" of a big deliverable: asked for, prepared by the bundle job, then served like any file."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from portal.extensions import db
from portal.models import Activity, Bundle, BundleRequest, Deliverable, Notification, Project
from portal.models.bundle import BUILDING, READY
from portal.services import files as file_service
from portal.services.activity import Actor
from portal.storage import get_storage
from tests.conftest import HX, login, make_test_app
from tests.factories import make_deliverable, make_org, make_project, make_user
from tests.portal_world import make_world, store
from tests.samples import jpeg_bytes


@pytest.fixture
def big(app):
    """Every deliverable counts as big: its "Download all" is prepared by the bundle job."""
    before = app.config["ZIP_BUNDLE_BYTES"]
    app.config["ZIP_BUNDLE_BYTES"] = 1
    yield
    app.config["ZIP_BUNDLE_BYTES"] = before


def _world(app):
    with app.app_context():
        world = make_world(app)
        store(world.project, "pier.png", jpeg_bytes(), "image/jpeg", world.review)
        world.ids = {"project": world.project.id, "org": world.org.id, "image": world.image.id}
        return world, world.org.slug, world.review.id, world.hidden.id


def _check_zip(data: bytes, names: list[str]) -> None:
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.namelist() == [*names, "SHA256SUMS.txt"]
    assert all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist())
    manifest = archive.read("SHA256SUMS.txt").decode()
    for name in names:
        assert f"{hashlib.sha256(archive.read(name)).hexdigest()}  {name}\n" in manifest


def test_small_deliverable_still_streams_with_its_length(app):
    world, slug, review_id, _ = _world(app)
    response = world.browser.get(f"/portal/{slug}/deliverables/{review_id}/zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert int(response.headers["Content-Length"]) == len(response.data)
    _check_zip(response.data, ["pier.png", "pier (2).png"])


def test_big_deliverable_is_prepared_then_served(app, big):
    world, slug, review_id, _ = _world(app)
    base = f"/portal/{slug}/deliverables/{review_id}/zip"
    card = world.browser.get(f"/portal/{slug}/projects/{world.ids['project']}").text
    assert f'action="{base}"' in card and "Download all (2 files, ZIP," in card
    page = world.browser.get(base)
    assert page.status_code == 200 and "Prepare the ZIP" in page.text and "HX-Request" in page.headers["Vary"]
    assert world.browser.get(f"{base}/file").status_code == 303  # nothing built yet: back to the page
    asked = world.browser.post(base)
    assert asked.status_code == 303 and asked.headers["Location"].endswith(base)
    # Without Redis the job ran inline: the ZIP is ready.
    ready = world.browser.get(base, headers=HX)
    assert ready.status_code == 200 and "<html" not in ready.text and 'id="bundle-download"' in ready.text
    assert "hx-trigger" not in ready.text
    served = world.browser.get(f"{base}/file")
    assert served.status_code == 200 and served.headers["Content-Disposition"].startswith("attachment;")
    assert served.headers["Accept-Ranges"] == "bytes"
    _check_zip(served.data, ["pier.png", "pier (2).png"])
    part = world.browser.get(f"{base}/file", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.data == served.data[10:20]
    with app.app_context():
        bundle = db.session.execute(db.select(Bundle)).scalar_one()
        assert bundle.status == READY and bundle.progress == 100 and bundle.size == len(served.data)
        request = db.session.execute(db.select(BundleRequest)).scalar_one()
        assert request.email == "client@example.com" and request.downloaded_at is not None
        audits = db.session.execute(db.select(Activity).where(Activity.verb == "file.downloaded")).scalars().all()
        assert len(audits) == 1  # the ranged request resumed the same download
        emails = db.session.execute(db.select(Notification).where(Notification.kind == "bundle_ready")).scalars()
        assert [n.to_email for n in emails] == ["client@example.com"]
    # Asking again for the same files reuses the bundle.
    assert world.browser.post(base).status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Bundle.id))) == 1


def test_preparing_shows_progress_polls_and_offers_a_refresh_link(app, big):
    world, slug, review_id, _ = _world(app)
    base = f"/portal/{slug}/deliverables/{review_id}/zip"
    with app.app_context():
        from portal.services import bundles

        deliverable = db.session.get(Deliverable, review_id)
        files = bundles.deliverable_files(review_id, client_only=True)
        db.session.add(
            Bundle(
                org_id=world.ids["org"],
                deliverable_id=review_id,
                version=1,
                fingerprint=bundles.fingerprint(files),
                file_ids=[f.id for f in files],
                storage_key="org/x/bundles/preparing.zip",
                status=BUILDING,
                progress=42,
            )
        )
        db.session.commit()
        assert deliverable is not None
    full = world.browser.get(base)
    assert full.status_code == 200 and "<html" in full.text and "Preparing (42 %)" in full.text
    assert f'hx-get="{base}"' in full.text and 'hx-trigger="every 3s"' in full.text
    assert f'<a href="{base}">Refresh</a>' in full.text
    fragment = world.browser.get(base, headers=HX)
    assert "<html" not in fragment.text and fragment.text.lstrip().startswith('<div id="bundle-status"')
    assert "Preparing (42 %)" in fragment.text
    assert world.browser.get(f"{base}/file").status_code == 303


def test_a_new_file_invalidates_the_bundle_and_its_object(app, big):
    world, slug, review_id, _ = _world(app)
    base = f"/portal/{slug}/deliverables/{review_id}/zip"
    world.browser.post(base)
    with app.app_context():
        old = db.session.execute(db.select(Bundle)).scalar_one()
        old_id, old_key = old.id, old.storage_key
        assert get_storage().exists(old_key)
        project = db.session.get(Project, world.ids["project"])
        file_service.upload_files(
            project,
            Actor.client("client@example.com"),
            [("new.jpg", io.BytesIO(jpeg_bytes()))],
            deliverable_id=review_id,
            client_visible=True,
        )
        assert db.session.get(Bundle, old_id) is None and not get_storage().exists(old_key)
    page = world.browser.get(base)
    assert "Prepare the ZIP" in page.text and "3 files" in page.text
    world.browser.post(base)
    _check_zip(world.browser.get(f"{base}/file").data, ["pier.png", "pier (2).png", "new.jpg"])


def test_deleting_a_file_or_the_project_removes_bundle_objects(app, big):
    world, slug, review_id, _ = _world(app)
    world.browser.post(f"/portal/{slug}/deliverables/{review_id}/zip")
    with app.app_context():
        from portal.models import StoredFile
        from portal.services.archive import delete_object

        bundle_id, key = db.session.execute(db.select(Bundle.id, Bundle.storage_key)).one()
        actor = Actor.client("op")
        file_service.delete_file(db.session.get(StoredFile, world.ids["image"]), actor)
        assert db.session.get(Bundle, bundle_id) is None and not get_storage().exists(key)
    world.browser.post(f"/portal/{slug}/deliverables/{review_id}/zip")
    with app.app_context():
        key = db.session.execute(db.select(Bundle.storage_key)).scalar_one()
        assert get_storage().exists(key)
        deliverable = db.session.get(Deliverable, review_id)
        delete_object(deliverable, Actor.client("op"))
        assert db.session.scalar(db.select(db.func.count(Bundle.id))) == 0 and not get_storage().exists(key)


@pytest.mark.parametrize("suffix", ["", "/file"])
def test_client_cannot_reach_hidden_or_foreign_deliverables(app, big, suffix):
    world, slug, review_id, hidden_id = _world(app)
    with app.app_context():
        other = make_org("Other", slug="other")
        foreign = make_deliverable(make_project(other), client_visible=True, status="ready")
        empty = make_deliverable(db.session.get(Project, world.ids["project"]), client_visible=True, status="ready")
        foreign_id, empty_id = foreign.id, empty.id
    for deliverable_id in (hidden_id, foreign_id, empty_id, 999_999):
        url = f"/portal/{slug}/deliverables/{deliverable_id}/zip{suffix}"
        assert world.browser.get(url).status_code == 404
        assert world.browser.post(f"/portal/{slug}/deliverables/{deliverable_id}/zip").status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Bundle.id))) == 0


def test_operator_download_all_and_foreign_ids(app, big):
    world, _slug, review_id, hidden_id = _world(app)
    operator = app.test_client()
    with app.app_context():
        from portal.models import Organization

        org = db.session.get(Organization, world.ids["org"])
        login(operator, make_user(org, email="op@example.com"), org)
        other = make_org("Other", slug="other")
        foreign_id = make_deliverable(make_project(other)).id
    base = f"/app/deliverables/{review_id}/zip"
    with app.app_context():
        from portal.models import Deliverable as D

        store(
            db.session.get(Project, world.ids["project"]),
            "draft.jpg",
            jpeg_bytes(),
            "image/jpeg",
            db.session.get(D, review_id),
            visible=False,
        )
    page = operator.get(base)
    assert page.status_code == 200 and "3 files" in page.text  # the operator's ZIP holds hidden files too
    assert operator.post(base).status_code == 303
    fragment = operator.get(base, headers=HX)
    assert "<html" not in fragment.text and 'id="bundle-download"' in fragment.text
    served = operator.get(f"{base}/file")
    assert served.status_code == 200
    _check_zip(served.data, ["pier.png", "pier (2).png", "draft.jpg"])
    with app.app_context():
        request = db.session.execute(db.select(BundleRequest)).scalar_one()
        assert request.email == "op@example.com" and request.audience == "operator"
    empty = operator.get(f"/app/deliverables/{hidden_id}/zip")
    assert empty.status_code == 200 and "No files are attached" in empty.text
    for suffix in ("", "/file"):
        assert operator.get(f"/app/deliverables/{foreign_id}/zip{suffix}").status_code == 404
    assert operator.post(f"/app/deliverables/{foreign_id}/zip").status_code == 404


def test_asking_for_a_zip_needs_the_csrf_token(app, database_url, tmp_path, big):
    import re

    from tests.conftest import make_test_app

    world, slug, review_id, _ = _world(app)
    strict = make_test_app(database_url, tmp_path, WTF_CSRF_ENABLED=True, ZIP_BUNDLE_BYTES=1)
    browser = strict.test_client()

    def token(html: str) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    entry = browser.get(f"/p/{world.token}")
    assert browser.post(f"/p/{world.token}", data={"csrf_token": token(entry.text)}).status_code == 303
    page = browser.get(f"/portal/{slug}/deliverables/{review_id}/zip")
    assert browser.post(f"/portal/{slug}/deliverables/{review_id}/zip").status_code == 400
    with strict.app_context():
        assert db.session.scalar(db.select(db.func.count(Bundle.id))) == 0
        db.session.remove()
    asked = browser.post(f"/portal/{slug}/deliverables/{review_id}/zip", data={"csrf_token": token(page.text)})
    assert asked.status_code == 303


def test_asking_to_prepare_is_rate_limited_on_each_side_separately(app, database_url, tmp_path):
    limited = make_test_app(database_url, tmp_path, RATELIMIT_ENABLED=True)
    with limited.app_context():
        world = make_world(limited, slug="zip-limit")
        store(world.project, "pier.png", jpeg_bytes(), "image/jpeg", world.review)
        review_id = world.review.id
        operator = login(limited.test_client(), make_user(world.org, email="zip-op@example.com"), world.org)
    base = f"/portal/zip-limit/deliverables/{review_id}/zip"
    answers = [world.browser.post(base).status_code for _ in range(31)]
    assert answers == [303] * 30 + [429]
    # The operator at the same address has a budget of their own.
    assert operator.post(f"/app/deliverables/{review_id}/zip").status_code == 303
