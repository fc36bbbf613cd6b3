"""The bundle job: the stored ZIP's content and manifest, its progress, one build however many workers try,
the S3 path against SeaweedFS, and the "ready" email to whoever asked."""

from __future__ import annotations

import hashlib
import io
import os
import threading
import zipfile
from functools import partial

import pytest

from portal.extensions import db
from portal.jobs import bundles as bundle_job
from portal.models import Bundle, Deliverable, Notification, Project
from portal.models.bundle import READY
from portal.outbox.registry import CLIENT
from portal.services import bundles
from portal.storage import get_storage
from tests.conftest import make_test_app
from tests.factories import make_client, make_deliverable, make_link, make_org, make_project
from tests.portal_world import store
from tests.threads import run_together

SIZES = (5 * 1024 * 1024 + 17, 5 * 1024, 1024 * 1024)


def _deliverable_with_files(app) -> tuple[int, dict[str, str]]:
    """A deliverable with three client-visible files of random bytes; their names and SHA-256s."""
    with app.app_context():
        org = make_org()
        customer = make_client(org, email="client@example.com")
        project = make_project(org, customer)
        make_link(org, customer, project)
        deliverable = make_deliverable(project, client_visible=True, status="ready")
        hashes = {}
        for number, size in enumerate(SIZES):
            data = os.urandom(size)
            name = f"flight-{number}.bin"
            store(project, name, data, "application/octet-stream", deliverable)
            hashes[name] = hashlib.sha256(data).hexdigest()
        deliverable_id = deliverable.id
        db.session.remove()
    return deliverable_id, hashes


def _ask(app, deliverable_id: int, email: str = "client@example.com") -> int:
    """Write the bundle row and its request, as the routes do, without building it."""
    with app.app_context():
        deliverable = db.session.get(Deliverable, deliverable_id)
        files = bundles.deliverable_files(deliverable_id, client_only=True)
        bundle, build = bundles.request(deliverable, files, email, CLIENT)
        assert build
        bundle_id = bundle.id
        db.session.remove()
    return bundle_id


def _asked_bundle(app) -> tuple[int, int, dict[str, str]]:
    """A deliverable with files, and the client's bundle of it asked for but not built: both ids and the hashes."""
    deliverable_id, hashes = _deliverable_with_files(app)
    return deliverable_id, _ask(app, deliverable_id), hashes


def _stored_zip(app, bundle_id: int) -> zipfile.ZipFile:
    with app.app_context():
        bundle = db.session.get(Bundle, bundle_id)
        data = b"".join(get_storage().iter_chunks(bundle.storage_key))
        assert len(data) == bundle.size
        db.session.remove()
    return zipfile.ZipFile(io.BytesIO(data))


def _check(archive: zipfile.ZipFile, hashes: dict[str, str]) -> None:
    assert archive.namelist() == [*hashes, "SHA256SUMS.txt"]
    assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}
    manifest = archive.read("SHA256SUMS.txt").decode()
    assert manifest == "".join(f"{digest}  {name}\n" for name, digest in hashes.items())
    for name, digest in hashes.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest


def test_the_job_stores_the_zip_with_matching_sums_and_reports_progress(app, monkeypatch):
    _deliverable_id, bundle_id, hashes = _asked_bundle(app)
    seen = []
    real = bundle_job._mine

    def spy(bundle_id, claim, commit=True, **values):
        if "progress" in values:
            seen.append(values["progress"])
        return real(bundle_id, claim, commit, **values)

    monkeypatch.setattr(bundle_job, "_mine", spy)
    monkeypatch.setattr(bundle_job, "PROGRESS_SECONDS", 0)
    with app.app_context():
        bundle_job.build_bundle(bundle_id)
        bundle = db.session.get(Bundle, bundle_id)
        assert bundle.status == READY and bundle.progress == 100 and bundle.error is None
        emails = db.session.execute(db.select(Notification).where(Notification.kind == "bundle_ready")).scalars()
        assert [(n.to_email, n.subject) for n in emails] == [
            ("client@example.com", "Your download is ready: " + bundle_title(bundle))
        ]
        db.session.remove()
    assert len(seen) >= 3 and seen == sorted(seen) and seen[-1] == 100 and 0 < seen[0] < 100
    _check(_stored_zip(app, bundle_id), hashes)
    # Run again (a retried job): nothing is built twice.
    with app.app_context():
        bundle_job.build_bundle(bundle_id)
        assert db.session.scalar(db.select(db.func.count(Notification.id))) == 1
        db.session.remove()


def bundle_title(bundle: Bundle) -> str:
    return db.session.get(Deliverable, bundle.deliverable_id).title


def test_two_workers_at_once_build_it_once(app, monkeypatch):
    _deliverable_id, bundle_id, hashes = _asked_bundle(app)
    saves, lock = [], threading.Lock()
    storage_class = type(app.extensions.get("portal_storage") or _storage(app))
    real_save = storage_class.save

    def counting_save(self, stream, key, content_type, part_size=None):
        with lock:
            saves.append(key)
        return real_save(self, stream, key, content_type, part_size)

    monkeypatch.setattr(storage_class, "save", counting_save)
    barrier, errors = threading.Barrier(2), []

    def work():
        try:
            with app.app_context():
                barrier.wait()
                bundle_job.build_bundle(bundle_id)
                db.session.remove()
        except Exception as exc:  # reported below: a thread's exception would otherwise vanish
            errors.append(exc)

    run_together(work for _ in range(2))
    assert not errors and len(saves) == 1
    with app.app_context():
        assert db.session.get(Bundle, bundle_id).status == READY
        assert db.session.scalar(db.select(db.func.count(Notification.id))) == 1
        db.session.remove()
    _check(_stored_zip(app, bundle_id), hashes)


def _storage(app):
    with app.app_context():
        return get_storage()


def test_a_file_added_while_building_leaves_no_zip_behind(app):
    deliverable_id, bundle_id, _hashes = _asked_bundle(app)
    with app.app_context():
        key = db.session.get(Bundle, bundle_id).storage_key
        deliverable = db.session.get(Deliverable, deliverable_id)
        # The job's claim is taken, then the deliverable's files change before it finishes.
        claim = bundle_job._claim(bundle_id)
        store(
            db.session.get(Project, deliverable.project_id),
            "late.bin",
            b"late",
            "application/octet-stream",
            deliverable,
        )
        assert bundles.invalidate(deliverable_id) == [key]
        db.session.commit()
        assert not bundle_job._mine(bundle_id, claim, status=READY)
        assert db.session.get(Bundle, bundle_id) is None and not get_storage().exists(key)
        db.session.remove()


def test_a_build_whose_worker_died_is_queued_again_and_taken_over(app):
    from datetime import UTC, datetime

    _deliverable_id, bundle_id, hashes = _asked_bundle(app)
    with app.app_context():
        # Claimed by a worker that then went silent: no progress for longer than STALLED.
        silent = datetime.now(UTC) - bundle_job.STALLED * 2
        db.session.execute(db.update(Bundle).where(Bundle.id == bundle_id).values(claimed_at=silent, updated_at=silent))
        db.session.commit()
        assert bundle_job.requeue_stalled() == 1  # without Redis the sweeper builds it inline
        assert db.session.get(Bundle, bundle_id).status == READY
        assert bundle_job.requeue_stalled() == 0
        db.session.remove()
    _check(_stored_zip(app, bundle_id), hashes)


def test_a_live_build_is_not_taken_over(app):
    _deliverable_id, bundle_id, _hashes = _asked_bundle(app)
    with app.app_context():
        assert bundle_job._claim(bundle_id) is not None
        assert bundle_job._claim(bundle_id) is None
        assert bundle_job.requeue_stalled() == 0
        db.session.remove()


@pytest.fixture
def s3_app(app, s3_server, database_url, tmp_path):
    """An app storing in the SeaweedFS bucket, on the session's schema."""
    yield make_test_app(database_url, tmp_path, **s3_server)


def test_on_s3_the_zip_is_stored_in_the_bucket_and_downloads_redirect_to_it(s3_app):
    from tests.portal_world import make_world

    _deliverable_id, bundle_id, hashes = _asked_bundle(s3_app)
    with s3_app.app_context():
        bundle_job.build_bundle(bundle_id)
        bundle = db.session.get(Bundle, bundle_id)
        assert bundle.status == READY
        storage = get_storage()
        head = storage.client.head_object(Bucket=storage.bucket, Key=storage._key(bundle.storage_key))
        assert head["ContentLength"] == bundle.size
        assert head["ETag"].strip('"').endswith("-2")  # written in two parts of 5 MiB, never whole in memory
        db.session.remove()
    _check(_stored_zip(s3_app, bundle_id), hashes)
    s3_app.config["ZIP_BUNDLE_BYTES"] = 1
    with s3_app.app_context():
        world = make_world(s3_app, slug="s3-bundles")
        deliverable = make_deliverable(db.session.get(Project, world.project.id), client_visible=True, status="ready")
        store(
            db.session.get(Project, world.project.id),
            "clip.bin",
            os.urandom(70_000),
            "application/octet-stream",
            deliverable,
        )
        base = f"/portal/{world.org.slug}/deliverables/{deliverable.id}/zip"
        db.session.remove()
    assert world.browser.post(base).status_code == 303
    response = world.browser.get(f"{base}/file")
    assert response.status_code == 302 and "X-Amz-Signature=" in response.headers["Location"]
    assert "response-content-disposition=attachment" in response.headers["Location"]


def test_the_ready_email_goes_to_each_requester_who_has_not_downloaded(app):
    from portal.outbox import email_context
    from portal.outbox.kinds.bundles import BundleReady

    deliverable_id, bundle_id, _hashes = _asked_bundle(app)
    with app.app_context():
        deliverable = db.session.get(Deliverable, deliverable_id)
        files = bundles.deliverable_files(deliverable_id, client_only=True)
        assert bundles.request(deliverable, files, "Client@Example.com", CLIENT)[1] is False  # same person, no rebuild
        bundles.request(deliverable, files, "op@example.com", "operator")
        bundle = db.session.get(Bundle, bundle_id)
        bundle.status = READY
        rows = BundleReady.queue(bundle)
        db.session.commit()
        assert sorted(n.to_email for n in rows) == ["client@example.com", "op@example.com"]
        by_email = {n.to_email: n for n in rows}
        client_context = email_context(by_email["client@example.com"])
        assert f"/deliverables/{deliverable_id}/zip" in client_context["url"] and "/portal/" in client_context["url"]
        assert "/app/deliverables/" in email_context(by_email["op@example.com"])["url"]
        assert BundleReady.still_wanted(by_email["client@example.com"])
        bundles.mark_downloaded(bundle, "client@example.com")
        assert not BundleReady.still_wanted(by_email["client@example.com"])
        assert BundleReady.still_wanted(by_email["op@example.com"])
        db.session.remove()


def test_four_people_asking_at_once_share_one_bundle(app):
    from portal.models import BundleRequest

    deliverable_id, _hashes = _deliverable_with_files(app)
    barrier, results, errors = threading.Barrier(4), [], []

    def ask(n: int):
        try:
            with app.app_context():
                deliverable = db.session.get(Deliverable, deliverable_id)
                files = bundles.deliverable_files(deliverable_id, client_only=True)
                barrier.wait()
                bundle, build = bundles.request(deliverable, files, f"person{n}@example.com", CLIENT)
                results.append((bundle.id, build))
                db.session.remove()
        except Exception as exc:  # reported below
            errors.append(exc)

    run_together(partial(ask, n) for n in range(4))
    assert not errors, errors
    assert len({bundle_id for bundle_id, _ in results}) == 1 and sum(build for _, build in results) == 1
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Bundle.id))) == 1
        assert db.session.scalar(db.select(db.func.count(BundleRequest.id))) == 4
        db.session.remove()


def test_a_storage_failure_marks_it_failed_and_asking_again_rebuilds_it(app, monkeypatch):
    from portal.models.bundle import FAILED
    from portal.storage import StorageError

    deliverable_id, bundle_id, hashes = _asked_bundle(app)
    storage_class = type(_storage(app))
    real_save = storage_class.save

    def broken(self, stream, key, content_type, part_size=None):
        stream.read(1024)
        raise StorageError("disk full")

    monkeypatch.setattr(storage_class, "save", broken)
    with app.app_context():
        bundle_job.build_bundle(bundle_id)
        bundle = db.session.get(Bundle, bundle_id)
        assert bundle.status == FAILED and bundle.error == "storage could not write it"
        assert not get_storage().exists(bundle.storage_key)
        assert db.session.scalar(db.select(db.func.count(Notification.id))) == 0
        monkeypatch.setattr(storage_class, "save", real_save)
        deliverable = db.session.get(Deliverable, deliverable_id)
        files = bundles.deliverable_files(deliverable_id, client_only=True)
        again, build = bundles.request(deliverable, files, "client@example.com", CLIENT)
        assert again.id == bundle_id and build
        bundle_job.build_bundle(bundle_id)
        assert db.session.get(Bundle, bundle_id).status == READY
        db.session.remove()
    _check(_stored_zip(app, bundle_id), hashes)


def test_the_sweeper_deletes_zips_built_long_ago(app):
    from datetime import UTC, datetime, timedelta

    _deliverable_id, bundle_id, _hashes = _asked_bundle(app)
    with app.app_context():
        bundle_job.build_bundle(bundle_id)
        key = db.session.get(Bundle, bundle_id).storage_key
        assert bundles.prune_old() == 0 and get_storage().exists(key)
        assert bundles.prune_old(datetime.now(UTC) + timedelta(days=31)) == 1
        assert db.session.get(Bundle, bundle_id) is None and not get_storage().exists(key)
        db.session.remove()
