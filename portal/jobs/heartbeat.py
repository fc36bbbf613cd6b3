"""Whether the worker can reach Redis, said once in the log when it changes and kept in the database for
/healthz (which a web process answers, possibly on another machine)."""

from __future__ import annotations

import os
import socket
import threading
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, update

from portal.extensions import db
from portal.models.worker import WAITING_FOR_REDIS, WORKING, WorkerHeartbeat

NOT_RUNNING = "not running"


def _now() -> datetime:
    return datetime.now(UTC)


def worker_name() -> str:
    """This process, as the heartbeat table knows it."""
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


class RedisState:
    """Redis as this worker last found it; each change is logged once, not on every retry."""

    def __init__(self, logger):
        self.logger = logger
        self.reachable = True
        self.lock = threading.Lock()

    def down(self, reason: str) -> None:
        """Redis did not answer."""
        with self.lock:
            if not self.reachable:
                return
            self.reachable = False
        self.logger.warning(
            "Redis does not answer (%s): waiting for it, retrying with back-off; the outbox sweeper keeps sending "
            "due emails meanwhile",
            reason,
        )

    def up(self) -> None:
        """Redis answered."""
        with self.lock:
            if self.reachable:
                return
            self.reachable = True
        self.logger.info("Redis answers again: working the queue")

    def status(self) -> str:
        """What /healthz shows for this worker."""
        return WORKING if self.reachable else WAITING_FOR_REDIS


def beat(status: str) -> None:
    """Record that this worker is alive and what it is doing; forget workers silent for a day."""
    now, name = _now(), worker_name()
    updated = db.session.execute(
        update(WorkerHeartbeat)
        .where(WorkerHeartbeat.id == name)
        .values(status=status, seen_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not updated:
        db.session.add(WorkerHeartbeat(id=name, status=status, started_at=now, seen_at=now))
        db.session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.seen_at < now - timedelta(days=1)))
    db.session.commit()


def forget() -> None:
    """This worker stops: take it off the list."""
    db.session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.id == worker_name()))
    db.session.commit()


def workers_status() -> str:
    """The worker side for /healthz: "ok" when a live worker works the queue, else what they wait for."""
    # A live worker beats on every sweep; three missed sweeps (or a minute) mean it is gone.
    window = timedelta(seconds=max(3 * current_app.config["EMAIL_SWEEP_SECONDS"], 60))
    statuses = set(
        db.session.execute(
            db.select(WorkerHeartbeat.status).where(WorkerHeartbeat.seen_at >= _now() - window)
        ).scalars()
    )
    if not statuses:
        return NOT_RUNNING
    return WORKING if WORKING in statuses else sorted(statuses)[0]
