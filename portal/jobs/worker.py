"""The worker process: an RQ worker on the app's queue, with the outbox sweeper running beside it.

Redis may go away and come back (or not be there yet at start): the process then waits with back-off instead
of exiting, its sweeper keeps working (and sends due emails itself), and the queue is worked again once Redis
answers."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from contextlib import contextmanager, suppress

from flask import Flask, current_app
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Queue, SimpleWorker
from rq.exceptions import StopRequested

from portal.jobs import get_queue, get_redis
from portal.jobs.bundles import requeue_stalled
from portal.jobs.email import sweep
from portal.jobs.heartbeat import RedisState, beat, forget
from portal.services.bundles import prune_old
from portal.services.housekeeping import prune_expired
from portal.services.multipart_uploads import abort_abandoned

REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError)
MAX_WAIT_SECONDS = 30


class RedisLost(StopRequested):
    """Redis stopped answering: the RQ loop ends quietly, and the process waits for Redis to return."""


@contextmanager
def _redis_lost():
    try:
        yield
    except REDIS_ERRORS as exc:
        raise RedisLost(str(exc)) from exc


class _Queue(Queue):
    """RQ's queue, except that a lost connection while waiting for a job ends the loop instead of retrying
    (and logging) inside it."""

    @classmethod
    def dequeue_any(cls, *args, **kwargs):
        """Wait for the next job like RQ does."""
        with _redis_lost():
            return super().dequeue_any(*args, **kwargs)


class AppWorker(SimpleWorker):
    """An RQ worker running jobs in this process, each in its own app context (so its own database session)."""

    app: Flask
    stopping: threading.Event

    def execute_job(self, job, queue):
        """Run the job inside a fresh app context."""
        with self.app.app_context(), _redis_lost():
            return super().execute_job(job, queue)

    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
        """Wait for the next job like RQ does, unless a stop signal came before RQ listened for one."""
        if self.stopping.is_set():
            raise StopRequested()
        return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)

    def heartbeat(self, *args, **kwargs):
        """Tell Redis this worker lives, like RQ does."""
        with _redis_lost():
            return super().heartbeat(*args, **kwargs)

    def check_for_suspension(self, burst: bool):
        """See whether `rq suspend` paused the workers, like RQ does."""
        with _redis_lost():
            return super().check_for_suspension(burst)

    def run_maintenance_tasks(self):
        """Clean RQ's registries, like RQ does."""
        with _redis_lost():
            return super().run_maintenance_tasks()

    def request_stop(self, signum, frame):
        """SIGTERM or SIGINT: finish the current job, then stop the process (not only this RQ loop)."""
        self.stopping.set()
        try:
            super().request_stop(signum, frame)
        except REDIS_ERRORS:
            self._stop_requested = True

    def _pubsub_exception_handler(self, exc, pubsub, pubsub_thread):
        # RQ logs every two seconds while Redis is away; the process already said so once.
        if isinstance(exc, REDIS_ERRORS):
            time.sleep(2.0)
            return
        raise exc

    def teardown(self):
        """Say goodbye to Redis when it answers; when it does not, still stop the pub/sub thread."""
        try:
            super().teardown()
        except REDIS_ERRORS:
            if self.pubsub_thread:
                self.pubsub_thread.stop()
                self.pubsub_thread.join(timeout=1)
            with suppress(Exception):
                self.pubsub.close()


def log_to_stdout(app: Flask) -> None:
    """Send the app's INFO lines (sent, retried, swept) to stdout, where a dyno's log collects them."""
    from flask.logging import default_handler

    from portal import logs

    logs.install((app.logger.name,))
    app.logger.setLevel(logging.INFO)
    if not any(getattr(h, "stream", None) is sys.stdout for h in app.logger.handlers):
        app.logger.removeHandler(default_handler)
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        app.logger.addHandler(handler)


def _sweep_forever(app: Flask, interval: int, stop: threading.Event, redis_state: RedisState) -> None:
    while not stop.wait(interval):
        _sweep_once(app, redis_state)


def _sweep_once(app: Flask, redis_state: RedisState | None = None) -> None:
    with app.app_context():
        try:
            result = sweep()
            abort_abandoned()
            requeue_stalled()
            prune_old()
            prune_expired()
            if redis_state is not None:
                if result.get("redis") == "unreachable":
                    redis_state.down("the outbox sweeper could not enqueue")
                elif result.get("redis") == "ok":
                    redis_state.up()
                beat(redis_state.status())
        except Exception:
            app.logger.warning(
                "sweeper run failed; trying again in %s s", app.config["EMAIL_SWEEP_SECONDS"], exc_info=True
            )


def _stop_on_signals(stop: threading.Event) -> None:
    def handler(_signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _wait_for_redis(redis, stop: threading.Event, redis_state: RedisState, once: bool = False) -> bool:
    """Ping Redis with back-off (1 s, doubling, up to MAX_WAIT_SECONDS) until it answers; False if stopped."""
    delay = 1.0
    while not stop.is_set():
        try:
            redis.ping()
            redis_state.up()
            return True
        except REDIS_ERRORS as exc:
            redis_state.down(f"{exc.__class__.__name__}: {exc}")
        if once:
            return False
        stop.wait(delay)
        delay = min(delay * 2, MAX_WAIT_SECONDS)
    return False


def run(burst: bool = False) -> None:
    """Work the queue (until it is empty with ``burst``); sweep the outbox every ``EMAIL_SWEEP_SECONDS``."""
    app = current_app._get_current_object()
    log_to_stdout(app)
    interval = app.config["EMAIL_SWEEP_SECONDS"]
    queue = get_queue()
    if queue is None:
        # The embedded default has no queue: the sweeper delivers inline whatever is due.
        app.logger.info("no REDIS_URL: sweeping the outbox inline every %s s", interval)
        while True:
            sweep()
            abort_abandoned()
            requeue_stalled()
            prune_old()
            prune_expired()
            if burst:
                return
            time.sleep(interval)
    redis, stop, redis_state = get_redis(), threading.Event(), RedisState(app.logger)
    _stop_on_signals(stop)
    _sweep_once(app, redis_state)
    thread = threading.Thread(
        target=_sweep_forever, args=(app, interval, stop, redis_state), name="outbox-sweeper", daemon=True
    )
    thread.start()
    try:
        while _wait_for_redis(redis, stop, redis_state, once=burst):
            # Jobs run in this process (no fork per job): the app, its templates and connection pool stay warm.
            worker = AppWorker([_Queue(queue.name, connection=redis)], connection=redis, queue_class=_Queue)
            worker.app, worker.stopping = app, stop
            try:
                worker.work(burst=burst, with_scheduler=False, logging_level="INFO")
            except REDIS_ERRORS as exc:  # registering the worker, before RQ's loop began
                redis_state.down(f"{exc.__class__.__name__}: {exc}")
            _stop_on_signals(stop)  # RQ's handlers belong to the worker that just ended
            if burst or stop.is_set():
                break
            stop.wait(1)  # RQ's loop ended without a stop request: Redis went away (or RQ gave up); ask again
    finally:
        stop.set()
        if burst:
            _sweep_once(app)
        with app.app_context(), suppress(Exception):
            forget()
