"""Uploads in parts on local storage: the app signs part URLs, is the part target, joins and checks the file."""

from __future__ import annotations

import hashlib
import time

from portal import multipart
from portal.extensions import db
from portal.models import Activity, Project, StoredFile, Upload
from portal.storage import get_storage
from tests.conftest import login
from tests.factories import make_deliverable, make_org, make_project, make_user
from tests.multipart_helpers import PART, complete, create, list_parts, payload, send_parts, sha256, sign
from tests.samples import png_bytes

MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


def _setup(app, client):
    with app.app_context():
        org = make_org()
        login(client, make_user(org), org)
        project = make_project(org)
        return org.id, project.id


def _upload_row(app, public_id):
    with app.app_context():
        upload = db.session.execute(db.select(Upload).where(Upload.public_id == public_id)).scalar_one()
        db.session.expunge(upload)
        return upload


def test_three_parts_join_into_a_checked_file(app, client):
    _org_id, project_id = _setup(app, client)
    with app.app_context():
        deliverable_id = make_deliverable(db.session.get(Project, project_id)).id
    data = payload(2 * PART + 12345, head=png_bytes())
    started = create(client, project_id, "site.png", len(data), deliverable_id=deliverable_id, client_visible=True)
    assert started.status_code == 201, started.text
    upload_id = started.json["uploadId"]
    assert started.json["partSize"] == PART
    etags = send_parts(client, upload_id, data)
    listed = list_parts(client, upload_id).json
    assert [(p["PartNumber"], p["Size"]) for p in listed] == [(1, PART), (2, PART), (3, 12345)]
    done = complete(client, upload_id, etags)
    assert done.status_code == 200, done.text
    assert done.json["status"] == "ready"
    with app.app_context():
        stored = db.session.get(StoredFile, done.json["fileId"])
        assert (stored.filename, stored.content_type, stored.size) == ("site.png", "image/png", len(data))
        assert stored.sha256 == sha256(data)
        assert stored.deliverable_id == deliverable_id and stored.client_visible
        with get_storage().open(stored.storage_key) as handle:
            assert sha256(handle.read()) == sha256(data)
        leftovers = list((get_storage().root / multipart.LOCAL_DIR).glob("*/*"))
        assert leftovers == []
    page = client.get(f"/app/projects/{project_id}")
    assert "site.png" in page.text


def test_resume_lists_parts_and_sends_only_the_rest(app, client):
    _org_id, project_id = _setup(app, client)
    data = payload(3 * PART, head=b"%PDF-1.4\n")
    upload_id = create(client, project_id, "report.pdf", len(data)).json["uploadId"]
    first = send_parts(client, upload_id, data, numbers=[1, 2])
    # A reload: the browser only knows the upload id, and asks what is stored.
    listed = list_parts(client, upload_id).json
    assert [p["PartNumber"] for p in listed] == [1, 2]
    etags = {p["PartNumber"]: p["ETag"] for p in listed}
    assert etags == first
    etags |= send_parts(client, upload_id, data, numbers=[3])
    done = complete(client, upload_id, etags)
    assert done.json["status"] == "ready"
    with app.app_context():
        assert db.session.get(StoredFile, done.json["fileId"]).sha256 == sha256(data)


def test_abort_drops_the_parts(app, client):
    _org_id, project_id = _setup(app, client)
    data = payload(PART + 10)
    upload_id = create(client, project_id, "clip.bin", len(data)).json["uploadId"]
    send_parts(client, upload_id, data, numbers=[1])
    assert client.post(f"/app/uploads/{upload_id}/abort").status_code == 204
    upload = _upload_row(app, upload_id)
    assert upload.status == "aborted"
    with app.app_context():
        assert not (get_storage().root / multipart.LOCAL_DIR / upload.backend_upload_id).exists()
    assert sign(client, upload_id, 2).status_code == 409
    assert complete(client, upload_id, {1: '"x"'}).status_code == 409


def test_a_jpg_that_is_not_a_jpeg_is_removed_and_the_uploader_told(app, client):
    _org_id, project_id = _setup(app, client)
    data = b"<html><script>alert(1)</script></html>" * 100
    upload_id = create(client, project_id, "photo.jpg", len(data)).json["uploadId"]
    done = complete(client, upload_id, send_parts(client, upload_id, data))
    assert done.status_code == 200
    assert done.json["status"] == "failed" and "is not a JPEG image" in done.json["error"]
    upload = _upload_row(app, upload_id)
    with app.app_context():
        assert not get_storage().exists(upload.storage_key)
        assert db.session.execute(db.select(db.func.count(StoredFile.id))).scalar() == 0
        verbs = db.session.execute(db.select(Activity.verb, Activity.summary)).all()
        assert any(v == "upload.rejected" and "photo.jpg" in s for v, s in verbs)
    page = client.get(f"/app/projects/{project_id}")
    assert "photo.jpg" in page.text and "is not a JPEG image" in page.text


def test_a_completed_upload_cannot_be_completed_again(app, client):
    _org_id, project_id = _setup(app, client)
    data = payload(1000, head=b"%PDF-1.4\n")
    upload_id = create(client, project_id, "a.pdf", len(data)).json["uploadId"]
    etags = send_parts(client, upload_id, data)
    assert complete(client, upload_id, etags).json["status"] == "ready"
    again = complete(client, upload_id, etags)
    assert again.status_code == 409
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(StoredFile.id))).scalar() == 1


def test_bad_part_numbers_and_parts_out_of_order(app, client):
    _org_id, project_id = _setup(app, client)
    data = payload(2 * PART)
    upload_id = create(client, project_id, "b.bin", len(data)).json["uploadId"]
    assert sign(client, upload_id, 0).status_code == 400
    assert sign(client, upload_id, 3).status_code == 400
    assert sign(client, upload_id, 10001).status_code == 400
    etags = send_parts(client, upload_id, data)
    reversed_parts = [{"PartNumber": n, "ETag": etags[n]} for n in (2, 1)]
    out_of_order = client.post(f"/app/uploads/{upload_id}/complete", json={"parts": reversed_parts})
    assert out_of_order.status_code == 400 and "in order" in out_of_order.json["error"]
    missing = complete(client, upload_id, {1: etags[1]})
    assert missing.status_code == 400
    forged = complete(client, upload_id, {1: etags[1], 2: '"00000000000000000000000000000000"'})
    assert forged.status_code == 400 and "differs" in forged.json["error"]
    assert _upload_row(app, upload_id).status == "uploading"


def test_oversize_declared_and_oversize_parts_are_refused(app, client):
    _org_id, project_id = _setup(app, client)
    too_big = create(client, project_id, "huge.mp4", 50 * 1024**3 + 1)
    assert too_big.status_code == 400 and "larger than this organization’s limit of 50.0 GB" in too_big.json["error"]
    assert create(client, project_id, "empty.bin", 0).status_code == 400
    assert create(client, project_id, "weird.bin", "12").status_code == 400
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Upload.id))).scalar() == 0
    small = create(client, project_id, "small.bin", 100).json["uploadId"]
    url = sign(client, small, 1).json["url"]
    assert client.put(url, data=b"x" * 101).status_code == 413
    assert list_parts(client, small).json == []


def test_a_600_mb_file_goes_up_in_parts_and_is_checked(app, client):
    _org_id, project_id = _setup(app, client)
    size = 600 * 1024 * 1024  # over the old 512 MB request limit
    started = create(client, project_id, "flight.mp4", size)
    assert started.status_code == 201 and started.json["partSize"] == PART
    upload_id, block = started.json["uploadId"], payload(PART)
    digest, etags, number, sent = hashlib.sha256(), {}, 1, 0
    while sent < size:
        part = block[: min(PART, size - sent)]
        if number == 1:
            part = MP4_HEAD + part[len(MP4_HEAD) :]
        digest.update(part)
        response = client.put(sign(client, upload_id, number).json["url"], data=part)
        assert response.status_code == 200
        etags[number], sent, number = response.headers["ETag"], sent + len(part), number + 1
    assert len(etags) == 120
    done = complete(client, upload_id, etags)
    assert done.json["status"] == "ready", done.text
    with app.app_context():
        stored = db.session.get(StoredFile, done.json["fileId"])
        assert (stored.size, stored.sha256, stored.content_type) == (size, digest.hexdigest(), "video/mp4")
        get_storage().delete(stored.storage_key)


def test_the_size_limit_is_configurable(app, client):
    _org_id, project_id = _setup(app, client)
    app.config["MAX_FILE_BYTES"] = 1024
    try:
        assert create(client, project_id, "a.bin", 1025).status_code == 400
        assert create(client, project_id, "a.bin", 1024).status_code == 201
    finally:
        app.config["MAX_FILE_BYTES"] = 50 * 1024**3


def test_another_orgs_upload_is_a_404(app, client):
    _org_id, project_id = _setup(app, client)
    upload_id = create(client, project_id, "mine.bin", 100).json["uploadId"]
    stranger = app.test_client()
    _other_org, other_project = _setup(app, stranger)
    assert sign(stranger, upload_id, 1).status_code == 404
    assert list_parts(stranger, upload_id).status_code == 404
    assert complete(stranger, upload_id, {1: '"x"'}).status_code == 404
    assert stranger.post(f"/app/uploads/{upload_id}/abort").status_code == 404
    assert create(stranger, project_id, "theirs.bin", 100).status_code == 404
    assert _upload_row(app, upload_id).status == "uploading"


def test_part_urls_are_bound_to_their_upload_part_and_time(app, client):
    _org_id, project_id = _setup(app, client)
    first = create(client, project_id, "one.bin", 2 * PART).json["uploadId"]
    second = create(client, project_id, "two.bin", 2 * PART).json["uploadId"]
    url = sign(client, first, 1).json["url"]
    anonymous = app.test_client()
    assert anonymous.put(url.replace(first, second), data=b"x").status_code == 403
    assert anonymous.put(url.replace(f"/{first}/1?", f"/{first}/2?"), data=b"x").status_code == 403
    assert anonymous.put(url.replace("signature=", "signature=0"), data=b"x").status_code == 403
    with app.test_request_context():
        expired_at = int(time.time()) - 1
        signature = multipart.local_signature(first, 1, expired_at)
    expired = f"/parts/{first}/1?expires={expired_at}&signature={signature}"
    assert anonymous.put(expired, data=b"x").status_code == 403
    assert list_parts(client, first).json == [] and list_parts(client, second).json == []
    # The genuine URL works without a session: the signature is the authority.
    assert anonymous.put(url, data=b"x" * 10).status_code == 200


def test_json_endpoints_need_the_csrf_header(app, client, tmp_path):
    _org_id, project_id = _setup(app, client)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = create(client, project_id, "a.bin", 10)
        assert refused.status_code == 400
        page = client.get(f"/app/projects/{project_id}")
        token = page.text.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
        accepted = client.post(
            f"/app/projects/{project_id}/uploads",
            json={"filename": "a.bin", "size": 10},
            headers={"X-CSRFToken": token},
        )
        assert accepted.status_code == 201
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_uploads_left_open_for_a_day_are_aborted_by_the_sweeper(app, client):
    from datetime import UTC, datetime, timedelta

    from portal.jobs.worker import _sweep_once

    _org_id, project_id = _setup(app, client)
    data = payload(PART + 1)
    old_id = create(client, project_id, "old.bin", len(data)).json["uploadId"]
    fresh_id = create(client, project_id, "fresh.bin", len(data)).json["uploadId"]
    send_parts(client, old_id, data, numbers=[1])
    with app.app_context():
        old = db.session.execute(db.select(Upload).where(Upload.public_id == old_id)).scalar_one()
        old.created_at = datetime.now(UTC) - timedelta(hours=25)
        db.session.commit()
        folder = get_storage().root / multipart.LOCAL_DIR / old.backend_upload_id
        assert folder.is_dir()
    _sweep_once(app)
    assert _upload_row(app, old_id).status == "aborted" and not folder.exists()
    assert _upload_row(app, fresh_id).status == "uploading"


def test_with_a_worker_the_file_shows_processing_until_the_job_has_run(app, client, monkeypatch):
    from portal import upload_api
    from portal.jobs import uploads as upload_jobs

    _org_id, project_id = _setup(app, client)
    queued = []
    monkeypatch.setattr(upload_api, "enqueue_processing", queued.append)
    data = payload(2000, head=b"%PDF-1.4\n")
    upload_id = create(client, project_id, "late.pdf", len(data)).json["uploadId"]
    done = complete(client, upload_id, send_parts(client, upload_id, data))
    assert done.json["status"] == "processing" and len(queued) == 1
    page = client.get(f"/app/projects/{project_id}")
    assert "late.pdf" in page.text and "Processing" in page.text and 'hx-trigger="every 3s"' in page.text
    with app.app_context():
        upload_jobs.process_upload(queued[0])
    page = client.get(f"/app/projects/{project_id}/files", headers={"HX-Request": "true"})
    assert "Processing" not in page.text and 'hx-trigger="every 3s"' not in page.text
    assert f'href="/app/files/{_upload_row(app, upload_id).file_id}/download"' in page.text


def test_a_file_finishing_while_the_files_block_reads_shows_as_checking_or_as_the_file(app, client, monkeypatch):
    """The job commits the file and its upload's "ready" together, between the block's two reads: the block must
    show it one way or the other (and keep polling while it shows "processing"), never lose it."""
    import threading

    from sqlalchemy import event

    from portal import upload_api
    from portal.jobs import uploads as upload_jobs

    _org_id, project_id = _setup(app, client)
    queued = []
    monkeypatch.setattr(upload_api, "enqueue_processing", queued.append)
    data = payload(2000, head=b"%PDF-1.4\n")
    upload_id = create(client, project_id, "racing.pdf", len(data)).json["uploadId"]
    complete(client, upload_id, send_parts(client, upload_id, data))
    armed = [True]

    def finish_in_between(_conn, _cursor, statement, *_args):
        tables = statement.split(" WHERE ")[0]
        if armed[0] and ("FROM upload" in tables or "FROM file" in tables):
            armed[0] = False  # after the block's first read of the two, the worker commits the file
            worker = threading.Thread(target=lambda: _run_job(app, upload_jobs, queued[0]))
            worker.start()
            worker.join(timeout=30)

    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        # SQLite holds a reader's snapshot until it ends (the job waits for it): the race cannot happen there.
        armed[0] = False
        block = client.get(f"/app/projects/{project_id}/files", headers={"HX-Request": "true"})
        assert "racing.pdf" in block.text and 'hx-trigger="every 3s"' in block.text
        _run_job(app, upload_jobs, queued[0])
        block = client.get(f"/app/projects/{project_id}/files", headers={"HX-Request": "true"})
        assert f'href="/app/files/{_upload_row(app, upload_id).file_id}/download"' in block.text
        return
    event.listen(engine, "after_cursor_execute", finish_in_between)
    try:
        block = client.get(f"/app/projects/{project_id}/files", headers={"HX-Request": "true"})
    finally:
        event.remove(engine, "after_cursor_execute", finish_in_between)
    assert not armed[0] and _upload_row(app, upload_id).status == "ready"
    shown_as_file = f'href="/app/files/{_upload_row(app, upload_id).file_id}/download"' in block.text
    still_checking = "racing.pdf" in block.text and 'hx-trigger="every 3s"' in block.text
    assert shown_as_file or still_checking


def _run_job(app, upload_jobs, upload_id):
    with app.app_context():
        upload_jobs.process_upload(upload_id)
