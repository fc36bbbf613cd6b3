"""RQ on Redis: the queue, enqueue-after-commit, and an app context for jobs run by a worker."""

from __future__ import annotations

from contextlib import contextmanager

from flask import current_app, has_app_context
from redis import Redis
from rq import Queue
from rq.job import Job, JobStatus

from portal.extensions import db

_worker_app = None


def get_redis() -> Redis | None:
    """The Redis connection of this app, or None in the embedded default (jobs run inline)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    connections = current_app.extensions.setdefault("portal_redis", {})
    if url not in connections:
        connections[url] = Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=5, **current_app.config.get("REDIS_OPTIONS", {})
        )
    return connections[url]


def get_queue() -> Queue | None:
    """The RQ queue named by ``RQ_QUEUE``, or None without ``REDIS_URL``."""
    connection = get_redis()
    if connection is None:
        return None
    return Queue(current_app.config["RQ_QUEUE"], connection=connection, default_timeout=180)


def enqueue_unique(queue: Queue, func, *args, job_id: str, **options) -> bool:
    """Enqueue a job unless the same job is already waiting or running; True when it was enqueued."""
    try:
        job = Job.fetch(job_id, connection=queue.connection)
    except Exception:
        job = None
    # Only a job still waiting makes a new one redundant: a "started" one may belong to a worker that died.
    if job is not None and job.get_status(refresh=False) == JobStatus.QUEUED:
        return False
    queue.enqueue(func, *args, job_id=job_id, result_ttl=60, failure_ttl=24 * 3600, **options)
    return True


@contextmanager
def job_app_context():
    """Run a job in the current app context when there is one (inline jobs share the caller's session); in a
    plain ``rq worker``, in an app built once from the environment. Sessions a job opens are closed after it."""
    global _worker_app
    if has_app_context():
        yield
        return
    if _worker_app is None:
        from portal import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        try:
            yield
        finally:
            db.session.remove()
