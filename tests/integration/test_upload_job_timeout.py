"""The upload job is queued with a timeout that grows with the file, so a big file's read is not cut short."""

from __future__ import annotations

from redis import Redis
from rq import Queue

from portal.extensions import db
from portal.jobs import uploads as upload_jobs
from portal.models import Upload
from tests.factories import make_org, make_project
from tests.integration.mail_stack import SHARED_REDIS, forget_queue, queue_name


def test_a_50_gb_upload_job_may_run_long_enough_to_read_it(app, ctx, monkeypatch):
    org = make_org()
    project = make_project(org)
    size = 50 * 1024**3
    upload = Upload(
        public_id="timeout-upload",
        org_id=org.id,
        project_id=project.id,
        filename="flight.mp4",
        size=size,
        part_size=size // 9000,
        storage_key=f"org/{org.id}/flight.mp4",
        backend_upload_id="x",
    )
    db.session.add(upload)
    db.session.commit()
    name = queue_name()
    queue = Queue(name, connection=Redis.from_url(SHARED_REDIS))
    monkeypatch.setattr(upload_jobs, "get_queue", lambda: queue)
    try:
        upload_jobs.enqueue_processing(upload.id)
        job = queue.jobs[0]
        # RQ's default (180 s) would stop the job within the first ~4 GB; 50 GB at 20 MB/s needs ~43 minutes.
        assert job.timeout >= size / (20 * 1024**2) > 180
        assert upload_jobs.job_timeout(1024) == 300
    finally:
        forget_queue(SHARED_REDIS, name)
