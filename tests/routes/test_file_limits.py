"""Limits and housekeeping: the organization's largest file (declared and actual), its settings section with the
storage used, the part size of the biggest files, and the sweeper's abort of abandoned uploads."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from portal import multipart
from portal.extensions import db
from portal.models import Activity, Organization, Project, StoredFile, Upload
from portal.models.upload import ABORTED, FAILED, UPLOADING
from portal.models.user import ROLE_MEMBER
from portal.services.multipart_uploads import abort_abandoned
from portal.storage import get_storage
from tests.conftest import HX, login
from tests.factories import make_deliverable, make_org, make_project, make_user
from tests.multipart_helpers import PART, complete, create, payload, send_parts
from tests.portal_world import store
from tests.samples import png_bytes

GB = 1024**3


def _setup(app, client, **org_fields):
    with app.app_context():
        org = make_org(**org_fields)
        login(client, make_user(org), org)
        return org.id, make_project(org).id


def _multipart_dirs(app) -> list:
    with app.app_context():
        root = get_storage().root / multipart.LOCAL_DIR
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []


@pytest.mark.parametrize("size", [50 * GB, 50 * GB + 1, 500 * GB, 5 * 1024 * GB, 5 * 1024 * GB - 1])
def test_part_size_keeps_the_biggest_files_under_ten_thousand_parts(size):
    part = multipart.part_size_for(size)
    assert multipart.part_count(size, part) <= multipart.MAX_PARTS
    assert multipart.MIN_PART <= part <= 5 * GB  # S3's bounds on one part
    assert multipart.part_limit(size, part, multipart.part_count(size, part)) > 0


def test_small_files_use_the_smallest_part():
    assert multipart.part_size_for(1) == multipart.part_size_for(48 * GB) == multipart.MIN_PART
    assert multipart.part_count(64 * 1024**2, multipart.MIN_PART) == 13


def test_an_oversize_declared_size_is_refused_with_nothing_left_behind(app, client):
    org_id, project_id = _setup(app, client, max_file_bytes=3 * PART)
    before = _multipart_dirs(app)
    refused = create(client, project_id, "big.mp4", 3 * PART + 1)
    assert refused.status_code == 400 and "larger than this organization’s limit of 15.0 MB" in refused.json["error"]
    assert create(client, project_id, "fits.mp4", 3 * PART).status_code == 201
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Upload.id))) == 1
    assert len(_multipart_dirs(app)) == len(before) + 1


def test_the_server_ceiling_still_bounds_a_generous_organization(app, client):
    _org_id, project_id = _setup(app, client, max_file_bytes=100 * GB)
    app.config["MAX_FILE_BYTES"] = 1024
    try:
        assert create(client, project_id, "a.bin", 1025).status_code == 400
    finally:
        app.config["MAX_FILE_BYTES"] = 50 * GB


def test_a_limit_lowered_during_the_upload_refuses_it_at_completion(app, client):
    org_id, project_id = _setup(app, client)
    data = payload(2 * PART + 10, head=png_bytes())
    upload_id = create(client, project_id, "site.png", len(data)).json["uploadId"]
    etags = send_parts(client, upload_id, data)
    with app.app_context():
        db.session.get(Organization, org_id).max_file_bytes = 2 * PART
        db.session.commit()
        backend_id = db.session.execute(db.select(Upload.backend_upload_id)).scalar_one()
    assert backend_id in _multipart_dirs(app)
    refused = complete(client, upload_id, etags)
    assert refused.status_code == 400 and "limit of 10.0 MB" in refused.json["error"]
    with app.app_context():
        upload = db.session.execute(db.select(Upload)).scalar_one()
        assert upload.status == FAILED and "limit" in upload.error
        assert db.session.scalar(db.select(db.func.count(StoredFile.id))) == 0
        assert not get_storage().exists(upload.storage_key)
    assert backend_id not in _multipart_dirs(app)
    assert complete(client, upload_id, etags).status_code == 409  # closed for good


def test_the_plain_form_respects_the_organization_limit(app, client):
    org_id, project_id = _setup(app, client, max_file_bytes=1000)
    image = png_bytes((400, 400))
    assert len(image) > 1000
    with app.app_context():
        root = get_storage().root
    before = sorted(p for p in root.rglob("*") if p.is_file())
    response = client.post(
        f"/app/projects/{project_id}/files", data={"files": (io.BytesIO(image), "big.png")}, headers=HX
    )
    assert response.status_code == 200 and "larger than this organization’s limit" in response.text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(StoredFile.id))) == 0
    assert sorted(p for p in root.rglob("*") if p.is_file()) == before


def test_settings_show_storage_used_and_change_the_limit(app, client):
    org_id, project_id = _setup(app, client)
    with app.app_context():
        project = db.session.get(Project, project_id)
        store(project, "a.png", b"x" * 3000, "image/png", make_deliverable(project))
    page = client.get("/app/settings")
    assert page.status_code == 200 and "Files and storage" in page.text
    assert "Storage used: <strong>2.9 KB</strong>" in page.text and 'value="50"' in page.text
    saved = client.post("/app/settings/files", data={"max_file_gb": "2.5"}, headers=HX)
    assert saved.status_code == 200 and 'value="2.5"' in saved.text and "<html" not in saved.text
    with app.app_context():
        assert db.session.get(Organization, org_id).max_file_bytes == int(2.5 * GB)
        assert db.session.execute(db.select(Activity).where(Activity.verb == "org.file_limit_updated")).scalar_one()
    plain = client.post("/app/settings/files", data={"max_file_gb": "4"})
    assert plain.status_code == 303 and plain.headers["Location"].endswith("#files")


@pytest.mark.parametrize(
    "value, message",
    [
        ("", "Enter a size in GB"),
        ("lots", "Enter a size in GB"),
        ("0", "Choose between 0.01 GB and 50 GB"),
        ("-3", "Choose between 0.01 GB and 50 GB"),
        ("51", "Choose between 0.01 GB and 50 GB"),
        ("1e400", "Choose between 0.01 GB and 50 GB"),
        ("NaN", "Enter a size in GB"),
    ],
)
def test_a_wrong_limit_is_a_clear_error_and_nothing_changes(app, client, value, message):
    org_id, _project_id = _setup(app, client)
    response = client.post("/app/settings/files", data={"max_file_gb": value})
    assert response.status_code == 422 and message in response.text, response.text[-2000:]
    with app.app_context():
        assert db.session.get(Organization, org_id).max_file_bytes == 50 * GB


def test_only_owners_change_the_limit(app, client):
    with app.app_context():
        org = make_org()
        login(client, make_user(org, role=ROLE_MEMBER), org)
        org_id = org.id
    assert client.post("/app/settings/files", data={"max_file_gb": "1"}).status_code == 403
    with app.app_context():
        assert db.session.get(Organization, org_id).max_file_bytes == 50 * GB


def test_the_sweeper_aborts_uploads_left_open_for_a_day(app, client):
    _org_id, project_id = _setup(app, client)
    stale_id = create(client, project_id, "old.bin", 3 * PART).json["uploadId"]
    fresh_id = create(client, project_id, "new.bin", 3 * PART).json["uploadId"]
    send_parts(client, stale_id, payload(3 * PART), numbers=[1])
    with app.app_context():
        stale = db.session.execute(db.select(Upload).where(Upload.public_id == stale_id)).scalar_one()
        stale.created_at = datetime.now(UTC) - timedelta(hours=25)
        db.session.commit()
        stale_backend = stale.backend_upload_id
        assert stale_backend in _multipart_dirs(app)
        assert abort_abandoned() == 1
        assert abort_abandoned() == 0
        rows = dict(db.session.execute(db.select(Upload.public_id, Upload.status)).all())
        assert rows == {stale_id: ABORTED, fresh_id: UPLOADING}
    assert stale_backend not in _multipart_dirs(app)
