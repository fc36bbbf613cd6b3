"""Uploads in parts against a real S3-compatible server: the browser's parts go to presigned URLs, not the app."""

from __future__ import annotations

import hashlib

import pytest
import urllib3

from portal.extensions import db
from portal.models import StoredFile, Upload
from portal.storage import build_storage
from tests.conftest import login, make_test_app
from tests.factories import make_org, make_project, make_user
from tests.multipart_helpers import PART, complete, create, list_parts, payload, send_parts, sha256, sign

pytestmark = pytest.mark.s3


@pytest.fixture
def s3_app(app, s3_server, database_url, tmp_path):
    """An app storing in the SeaweedFS bucket (on the session's schema), a signed-in operator and a project."""
    app = make_test_app(database_url, tmp_path, **s3_server)
    client = app.test_client()
    with app.app_context():
        org = make_org()
        login(client, make_user(org), org)
        project_id = make_project(org).id
        db.session.remove()
    yield app, client, project_id


def _bucket_object(s3_server, key):
    storage = build_storage(s3_server)
    digest = hashlib.sha256()
    for chunk in storage.iter_chunks(key):
        digest.update(chunk)
    return digest.hexdigest()


def test_parts_go_to_presigned_urls_resume_and_complete(s3_app, s3_server):
    app, client, project_id = s3_app
    data = payload(2 * PART + 777, head=b"%PDF-1.4\n")
    started = create(client, project_id, "survey.pdf", len(data))
    assert started.status_code == 201, started.text
    upload_id = started.json["uploadId"]
    url = sign(client, upload_id, 1).json["url"]
    assert url.startswith(s3_server["S3_ENDPOINT_URL"]) and "X-Amz-Signature=" in url
    first = send_parts(client, upload_id, data, numbers=[1, 2])
    listed = list_parts(client, upload_id).json
    assert [(p["PartNumber"], p["Size"]) for p in listed] == [(1, PART), (2, PART)]
    assert {p["PartNumber"]: p["ETag"] for p in listed} == first
    etags = first | send_parts(client, upload_id, data, numbers=[3])
    done = complete(client, upload_id, etags)
    assert done.status_code == 200 and done.json["status"] == "ready", done.text
    with app.app_context():
        stored = db.session.get(StoredFile, done.json["fileId"])
        assert (stored.size, stored.sha256, stored.content_type) == (len(data), sha256(data), "application/pdf")
        key = stored.storage_key
        db.session.remove()
    assert _bucket_object(s3_server, key) == sha256(data)


def test_abort_removes_the_parts_from_the_bucket(s3_app, s3_server):
    app, client, project_id = s3_app
    data = payload(PART + 5)
    upload_id = create(client, project_id, "clip.bin", len(data)).json["uploadId"]
    send_parts(client, upload_id, data, numbers=[1])
    assert client.post(f"/app/uploads/{upload_id}/abort").status_code == 204
    with app.app_context():
        upload = db.session.execute(db.select(Upload).where(Upload.public_id == upload_id)).scalar_one()
        storage = build_storage(s3_server)
        key = storage._key(upload.storage_key)
        open_uploads = storage.client.list_multipart_uploads(Bucket=storage.bucket, Prefix=key).get("Uploads", [])
        assert open_uploads == []
        db.session.remove()


def test_a_mismatched_type_is_deleted_from_the_bucket(s3_app, s3_server):
    app, client, project_id = s3_app
    data = b"PK-not-really" * 1000
    upload_id = create(client, project_id, "frame.png", len(data)).json["uploadId"]
    done = complete(client, upload_id, send_parts(client, upload_id, data))
    assert done.json["status"] == "failed" and "is not a PNG image" in done.json["error"]
    with app.app_context():
        upload = db.session.execute(db.select(Upload).where(Upload.public_id == upload_id)).scalar_one()
        assert not build_storage(s3_server).exists(upload.storage_key)
        db.session.remove()


def test_a_presigned_part_url_works_only_for_its_own_upload(s3_app, s3_server):
    app, client, project_id = s3_app
    first = create(client, project_id, "one.bin", 100).json["uploadId"]
    second = create(client, project_id, "two.bin", 100).json["uploadId"]
    url = sign(client, first, 1).json["url"]
    with app.app_context():
        other = db.session.execute(db.select(Upload).where(Upload.public_id == second)).scalar_one().backend_upload_id
        mine = db.session.execute(db.select(Upload).where(Upload.public_id == first)).scalar_one().backend_upload_id
        db.session.remove()
    tampered = url.replace(urllib3.util.parse_url(url).query.split("uploadId=")[1].split("&")[0], other)
    assert mine in url and other in tampered
    assert urllib3.request("PUT", tampered, body=b"x" * 100).status == 403
    assert list_parts(client, second).json == []


def test_downloads_redirect_to_a_short_presigned_url_after_the_audit(s3_app, s3_server):
    app, client, project_id = s3_app
    data = b"<html><body>not for the browser to render</body></html>"
    upload_id = create(client, project_id, "page.html", len(data)).json["uploadId"]
    done = complete(client, upload_id, send_parts(client, upload_id, data))
    assert done.json["status"] == "ready", done.text
    response = client.get(f"/app/files/{done.json['fileId']}/download")
    assert response.status_code == 302 and response.headers["Cache-Control"] == "private, no-store"
    location = response.headers["Location"]
    assert location.startswith(s3_server["S3_ENDPOINT_URL"]) and "X-Amz-Expires=60" in location
    fetched = urllib3.request("GET", location)
    assert fetched.status == 200 and fetched.data == data
    assert fetched.headers["Content-Type"] == "application/octet-stream"
    assert fetched.headers["Content-Disposition"].startswith('attachment; filename="page.html"')
