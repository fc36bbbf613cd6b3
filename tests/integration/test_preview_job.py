"""The preview job end to end on the test database: rows, stored objects, claims, deletes, backfill, Redis, S3."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import update

from portal.extensions import db
from portal.jobs.previews import enqueue_previews, make_previews
from portal.models import FileMedia, StoredFile
from portal.models.media import FAILED, GEOTIFF, IMAGE, PENDING, PROCESSING, READY, VIDEO
from portal.services import archive, files, media
from portal.storage import get_storage
from tests import media_samples
from tests.factories import make_org, make_project
from tests.media_world import OPERATOR, media_row, upload_as_operator
from tests.portal_world import store
from tests.threads import run_together


def _pending(project, name: str, data: bytes, content_type: str) -> int:
    """A stored file with a pending media row, as a service leaves it (no job run yet)."""
    file = store(project, name, data, content_type)
    media.add_pending([file])
    db.session.commit()
    return file.id


def test_form_upload_makes_previews_and_reads_gps(ctx):
    project = make_project(make_org())
    (file_id,) = upload_as_operator(project, ("site.jpg", media_samples.gps_jpeg(51.5007, -0.1246)))
    row = media_row(file_id)
    assert row.status == READY and row.kind == IMAGE and row.error is None
    assert (row.latitude, row.longitude) == (pytest.approx(51.5007, abs=1e-5), pytest.approx(-0.1246, abs=1e-5))
    assert row.camera == "DJI FC3582" and row.relative_altitude == pytest.approx(45.2)
    storage = get_storage()
    assert row.preview_key and row.thumb_key and all(storage.exists(k) for k in row.derived_keys())
    with storage.open(row.preview_key) as stream:
        assert Image.open(stream).format == "JPEG"
    original = db.session.get(StoredFile, file_id)
    assert row.preview_key.startswith(original.storage_key.rsplit("/", 1)[0] + "/media/")


def test_every_kind_in_one_batch_and_a_broken_file_does_not_stop_the_rest(ctx):
    project = make_project(make_org())
    ids = upload_as_operator(
        project,
        ("broken.jpg", media_samples.truncated_jpeg()),
        ("flight.mp4", media_samples.video_bytes("libx265")),
        ("ortho.tif", media_samples.geotiff_bytes()),
        ("report.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    broken, flight, ortho, report = (media_row(i) for i in ids)
    assert broken.status == FAILED and "damaged or incomplete" in broken.error and not broken.derived_keys()
    assert flight.status == READY and flight.kind == VIDEO and flight.codec == "hevc" and flight.proxy_key
    assert ortho.status == READY and ortho.kind == GEOTIFF and ortho.crs == "EPSG:32633" and ortho.overlay_key
    assert len(ortho.overlay_bounds) == 4
    assert report is None  # a PDF gets no media row


def test_bomb_fails_with_a_clear_message_and_stores_nothing(ctx):
    project = make_project(make_org())
    file_id = _pending(project, "bomb.png", media_samples.bomb_png(), "image/png")
    before = set(_objects())
    make_previews(file_id)
    row = media_row(file_id)
    assert row.status == FAILED and "megapixels" in row.error
    assert set(_objects()) == before


def _objects() -> list[str]:
    root = get_storage().root
    return [str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()]


def test_a_crash_inside_a_kind_is_a_failure_not_a_dead_worker(ctx, monkeypatch):
    from portal.previews import images

    def explode(*_args, **_kwargs):
        raise RuntimeError("decoder crashed")

    monkeypatch.setattr(images.Photos, "make", explode)
    project = make_project(make_org())
    file_id = _pending(project, "a.jpg", media_samples.plain_jpeg(), "image/jpeg")
    make_previews(file_id)
    assert media_row(file_id).status == FAILED and media_row(file_id).error == media.GENERIC_FAILURE


def test_a_second_run_changes_nothing(ctx):
    project = make_project(make_org())
    (file_id,) = upload_as_operator(project, ("a.jpg", media_samples.plain_jpeg()))
    keys = media_row(file_id).derived_keys()
    make_previews(file_id)
    make_previews(file_id)
    assert media_row(file_id).derived_keys() == keys


def test_one_claim_wins_among_simultaneous_workers(app):
    with app.app_context():
        file_id = _pending(make_project(make_org()), "a.jpg", media_samples.plain_jpeg(), "image/jpeg")
        db.session.remove()
    barrier, claims, lock = threading.Barrier(6), [], threading.Lock()

    def worker():
        with app.app_context():
            barrier.wait()
            try:
                claimed = media.claim(file_id)
            finally:
                db.session.remove()
        with lock:
            claims.append(claimed)

    run_together(worker for _ in range(6))
    assert len(claims) == 6 and sum(c is not None for c in claims) == 1
    with app.app_context():
        assert media_row(file_id).status == PROCESSING
        db.session.remove()


def test_a_stale_claim_is_taken_over_and_a_fresh_one_is_not(ctx):
    project = make_project(make_org())
    file_id = _pending(project, "a.jpg", media_samples.plain_jpeg(), "image/jpeg")
    assert media.claim(file_id) is not None
    make_previews(file_id)  # a claim in progress: left alone
    assert media_row(file_id).status == PROCESSING
    long_ago = datetime.now(UTC) - timedelta(hours=3)
    db.session.execute(update(FileMedia).where(FileMedia.file_id == file_id).values(updated_at=long_ago))
    db.session.commit()
    make_previews(file_id)
    assert media_row(file_id).status == READY


def test_deleting_a_file_removes_its_previews(ctx):
    project = make_project(make_org())
    (file_id,) = upload_as_operator(project, ("flight.mov", media_samples.video_bytes("prores_ks", fmt="mov")))
    keys = media_row(file_id).derived_keys()
    assert len(keys) == 3
    files.delete_file(db.session.get(StoredFile, file_id), OPERATOR)
    assert media_row(file_id) is None and not any(get_storage().exists(k) for k in keys)


def test_deleting_a_project_removes_its_previews(ctx):
    project = make_project(make_org())
    ids = upload_as_operator(project, ("a.jpg", media_samples.plain_jpeg()), ("b.tif", media_samples.geotiff_bytes()))
    keys = [k for i in ids for k in media_row(i).derived_keys()]
    archive.delete_object(project, OPERATOR)
    assert not any(get_storage().exists(k) for k in keys)
    assert db.session.execute(db.select(db.func.count()).select_from(FileMedia)).scalar() == 0


def test_a_file_deleted_while_its_previews_are_made_leaves_no_objects(app, monkeypatch):
    from portal.previews import images

    original = images.Photos.make
    with app.app_context():
        file_id = _pending(make_project(make_org()), "a.jpg", media_samples.plain_jpeg(), "image/jpeg")
        db.session.remove()

    def make_then_lose_the_file(self, path, content_type, put, limits):
        result = original(self, path, content_type, put, limits)

        def operator_deletes():
            with app.app_context():
                files.delete_file(db.session.get(StoredFile, file_id), OPERATOR)
                db.session.remove()

        thread = threading.Thread(target=operator_deletes)
        thread.start()
        thread.join(timeout=60)
        return result

    monkeypatch.setattr(images.Photos, "make", make_then_lose_the_file)
    with app.app_context():
        before = set(_objects())
        make_previews(file_id)
        assert media_row(file_id) is None
        assert not [k for k in set(_objects()) - before if "/media/" in k]
        db.session.remove()


def test_backfill_command_makes_missing_previews_and_retries_failed_ones_when_asked(app):
    with app.app_context():
        project = make_project(make_org())
        old = store(project, "old.jpg", media_samples.plain_jpeg(), "image/jpeg")  # stored before previews existed
        failed_id = _pending(project, "later.jpg", media_samples.plain_jpeg(), "image/jpeg")
        media.claim(failed_id)
        media.fail(failed_id, "The stored file could not be read, so no preview could be made.")
        old_id = old.id
        db.session.remove()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["make-previews"])
    assert result.exit_code == 0 and "1 file(s) queued" in result.output
    with app.app_context():
        assert (media_row(old_id).status, media_row(failed_id).status) == (READY, FAILED)
        db.session.remove()
    result = runner.invoke(args=["make-previews", "--retry-failed"])
    assert result.exit_code == 0 and "1 file(s) queued" in result.output
    with app.app_context():
        assert media_row(failed_id).status == READY
        db.session.remove()


def test_multipart_upload_job_queues_previews(ctx):
    from portal.jobs.uploads import process_upload
    from portal.models import Upload
    from portal.models.upload import PROCESSING as UPLOAD_PROCESSING
    from portal.storage import new_key

    project = make_project(make_org())
    data = media_samples.gps_jpeg()
    key = new_key(f"org/{project.org_id}/project/{project.id}", "jpg")
    get_storage().save(io.BytesIO(data), key, "image/jpeg")
    upload = Upload(
        org_id=project.org_id,
        project_id=project.id,
        public_id="u" * 22,
        filename="drone.jpg",
        extension="jpg",
        size=len(data),
        part_size=8 << 20,
        storage_key=key,
        backend_upload_id="local",
        status=UPLOAD_PROCESSING,
        uploaded_by_label="Olive",
    )
    db.session.add(upload)
    db.session.commit()
    process_upload(upload.id)
    db.session.expire_all()
    row = media_row(db.session.get(Upload, upload.id).file_id)
    assert row.status == READY and row.latitude is not None


def test_with_redis_the_job_waits_for_a_worker(app, database_url, tmp_path):
    from redis import Redis
    from rq import Queue, SimpleWorker

    from tests.conftest import make_test_app
    from tests.integration.mail_stack import SHARED_REDIS, forget_queue, queue_name

    try:
        Redis.from_url(SHARED_REDIS, socket_connect_timeout=1).ping()
    except Exception:
        pytest.skip("no Redis server")
    queue_id = queue_name()
    queued_app = make_test_app(database_url, tmp_path, REDIS_URL=SHARED_REDIS, RQ_QUEUE=queue_id)
    try:
        with queued_app.app_context():
            file_id = _pending(make_project(make_org()), "a.jpg", media_samples.plain_jpeg(), "image/jpeg")
            enqueue_previews([file_id])
            enqueue_previews([file_id])  # still waiting: not queued twice
            queue = Queue(queue_id, connection=Redis.from_url(SHARED_REDIS))
            assert queue.count == 1 and queue.jobs[0].timeout == queued_app.config["PREVIEW_JOB_TIMEOUT"]
            assert media_row(file_id).status == PENDING
            SimpleWorker([queue], connection=queue.connection).work(burst=True)
            assert media_row(file_id).status == READY
            db.session.remove()
    finally:
        forget_queue(SHARED_REDIS, queue_id)


@pytest.mark.s3
def test_previews_through_s3(app, database_url, s3_server, tmp_path):
    """Previews made and removed on S3 (``app`` is asked for so that the rows made here are emptied after)."""
    from tests.conftest import make_test_app

    s3_app = make_test_app(database_url, tmp_path, **s3_server)
    with s3_app.app_context():
        project = make_project(make_org())
        ids = upload_as_operator(
            project, ("a.jpg", media_samples.gps_jpeg()), ("b.mp4", media_samples.video_bytes("libx265"))
        )
        storage = get_storage()
        for file_id in ids:
            row = media_row(file_id)
            assert row.status == READY and all(storage.exists(k) for k in row.derived_keys())
        keys = [k for i in ids for k in media_row(i).derived_keys()]
        for file_id in ids:
            files.delete_file(db.session.get(StoredFile, file_id), OPERATOR)
        assert not any(storage.exists(k) for k in keys)
        db.session.remove()
