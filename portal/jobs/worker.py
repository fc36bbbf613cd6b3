"""The worker process: an RQ worker on the app's queue, with the outbox sweeper running beside it."""

from __future__ import annotations

import threading
import time

from flask import Flask, current_app
from rq import SimpleWorker

from portal.jobs import get_queue, get_redis
from portal.jobs.email import sweep


class AppWorker(SimpleWorker):
    """An RQ worker running jobs in this process, each in its own app context (so its own database session)."""

    app: Flask

    def execute_job(self, job, queue):
        """Run the job inside a fresh app context."""
        with self.app.app_context():
            return super().execute_job(job, queue)


def _sweep_forever(app: Flask, interval: int, stop: threading.Event) -> None:
    while not stop.wait(interval):
        with app.app_context():
            try:
                sweep()
            except Exception:
                app.logger.warning("sweeper run failed; trying again in %s s", interval, exc_info=True)


def run(burst: bool = False) -> None:
    """Work the queue (until it is empty with ``burst``); sweep the outbox every ``EMAIL_SWEEP_SECONDS``."""
    app = current_app._get_current_object()
    interval = app.config["EMAIL_SWEEP_SECONDS"]
    queue = get_queue()
    if queue is None:
        # The embedded default has no queue: the sweeper delivers inline whatever is due.
        app.logger.info("no REDIS_URL: sweeping the outbox inline every %s s", interval)
        while True:
            sweep()
            if burst:
                return
            time.sleep(interval)
    _sweep_once(app)
    stop = threading.Event()
    thread = threading.Thread(target=_sweep_forever, args=(app, interval, stop), name="outbox-sweeper", daemon=True)
    thread.start()
    try:
        # Jobs run in this process (no fork per job): the app, its templates and connection pool stay warm.
        worker = AppWorker([queue], connection=get_redis())
        worker.app = app
        worker.work(burst=burst, with_scheduler=False, logging_level="INFO")
    finally:
        stop.set()
        if burst:
            _sweep_once(app)


def _sweep_once(app: Flask) -> None:
    try:
        sweep()
    except Exception:
        app.logger.warning("sweeper run failed", exc_info=True)
