"""On local storage the upload job, not the "complete" request, joins the parts: hashing while it copies."""

from __future__ import annotations

import pytest

from portal import multipart, upload_api
from portal.extensions import db
from portal.jobs import uploads as upload_jobs
from portal.models import StoredFile, Upload
from portal.storage import get_storage
from tests.conftest import login
from tests.factories import make_org, make_project, make_user
from tests.multipart_helpers import PART, complete, create, payload, send_parts, sha256


@pytest.fixture
def queued(monkeypatch):
    """Completions queue the job instead of running it inline, as with a worker."""
    jobs: list[int] = []
    monkeypatch.setattr(upload_api, "enqueue_processing", jobs.append)
    return jobs


def _completed(app, client, queued, filename: str, data: bytes) -> Upload:
    with app.app_context():
        org = make_org()
        login(client, make_user(org), org)
        project_id = make_project(org).id
    upload_id = create(client, project_id, filename, len(data)).json["uploadId"]
    done = complete(client, upload_id, send_parts(client, upload_id, data))
    assert done.status_code == 200, done.text
    assert done.json["status"] == "processing" and len(queued) == 1
    with app.app_context():
        upload = db.session.execute(db.select(Upload).where(Upload.public_id == upload_id)).scalar_one()
        db.session.expunge(upload)
    return upload


def _leftovers(app, upload: Upload) -> list:
    """What this upload left in the parts folder (other tests' open uploads may keep theirs)."""
    with app.app_context():
        return list((get_storage().root / multipart.LOCAL_DIR / upload.backend_upload_id).glob("*"))


def test_complete_answers_at_once_and_the_job_joins_and_hashes(app, client, queued):
    data = payload(2 * PART + 777, head=b"%PDF-1.4\n")
    upload = _completed(app, client, queued, "survey.pdf", data)
    with app.app_context():
        storage = get_storage()
        assert not storage.exists(upload.storage_key)
        assert multipart.awaiting_join(storage, upload)
        upload_jobs.process_upload(upload.id)
        upload_jobs.process_upload(upload.id)  # a job delivered twice does nothing the second time
        done = db.session.get(Upload, upload.id)
        stored = db.session.get(StoredFile, done.file_id)
        assert done.status == "ready" and stored.sha256 == sha256(data) and stored.size == len(data)
        with storage.open(upload.storage_key) as handle:
            assert sha256(handle.read()) == sha256(data)
        assert db.session.execute(db.select(db.func.count(StoredFile.id))).scalar() == 1
        assert not multipart.awaiting_join(storage, upload)
    assert _leftovers(app, upload) == []


def test_a_part_changed_after_completion_fails_the_upload_and_leaves_nothing(app, client, queued):
    upload = _completed(app, client, queued, "changed.pdf", payload(PART + 10, head=b"%PDF-1.4\n"))
    with app.app_context():
        storage = get_storage()
        folder = storage.root / multipart.LOCAL_DIR / upload.backend_upload_id
        (folder / "2.etag").write_text('"0000"')
        upload_jobs.process_upload(upload.id)
        failed = db.session.get(Upload, upload.id)
        assert failed.status == "failed" and "could not be read" in failed.error
        assert not storage.exists(upload.storage_key)
        assert db.session.execute(db.select(db.func.count(StoredFile.id))).scalar() == 0
    assert _leftovers(app, upload) == []


def test_a_joined_file_of_the_wrong_type_is_removed_with_its_parts(app, client, queued):
    upload = _completed(app, client, queued, "photo.jpg", payload(PART + 10, head=b"%PDF-1.4\n"))
    with app.app_context():
        upload_jobs.process_upload(upload.id)
        failed = db.session.get(Upload, upload.id)
        assert failed.status == "failed" and failed.error
        assert not get_storage().exists(upload.storage_key)
    assert _leftovers(app, upload) == []
