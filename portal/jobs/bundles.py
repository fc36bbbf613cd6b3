"""The bundle job: write a deliverable's files into one stored ZIP, from storage into storage, with its progress."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from flask import current_app

from portal import multipart
from portal.downloads import build_zip, zip_entries
from portal.extensions import db
from portal.jobs import enqueue_unique, get_queue, job_app_context
from portal.models import Bundle, StoredFile
from portal.models.bundle import BUILDING, FAILED, READY
from portal.outbox import commit_and_dispatch
from portal.outbox.kinds.bundles import BundleReady
from portal.services.bundles import fingerprint
from portal.storage import get_storage

JOB_TIMEOUT = timedelta(hours=6)
# A build writes its progress at least this often, so one silent for STALLED belongs to a worker that died.
PROGRESS_SECONDS = 1.0
HEARTBEAT_SECONDS = 60.0
STALLED = timedelta(minutes=10)


class _Abandoned(Exception):
    """The bundle was invalidated or deleted while it was being written: stop copying."""


class _IterReader:
    """A file-like ``read`` over an iterator of chunks, holding at most one read's worth of bytes."""

    def __init__(self, chunks: Iterator[bytes], total: int, report: Callable[[int], None]):
        self._chunks, self._buffer, self._total, self._report = chunks, bytearray(), total, report
        self.sent = 0

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        cut = len(self._buffer) if size < 0 else size
        data = bytes(self._buffer[:cut])
        del self._buffer[:cut]
        self.sent += len(data)
        self._report(self.sent)
        return data


def enqueue_build(bundle_id: int) -> None:
    """Queue the build of a bundle, or build it now without Redis."""
    queue = get_queue()
    if queue is not None:
        try:
            job_id = f"{queue.name}-bundle-{bundle_id}"
            enqueue_unique(queue, build_bundle, bundle_id, job_id=job_id, job_timeout=int(JOB_TIMEOUT.total_seconds()))
            return
        except Exception:
            current_app.logger.warning("could not enqueue bundle %s; building it inline", bundle_id, exc_info=True)
    build_bundle(bundle_id)


def requeue_stalled() -> int:
    """Queue again the builds nobody is working on (lost with Redis, or their worker died); the sweeper calls this."""
    stalled = db.session.execute(
        db.select(Bundle.id)
        .where(Bundle.status == BUILDING, Bundle.updated_at < datetime.now(UTC) - STALLED)
        .order_by(Bundle.id)
        .limit(20)
    ).scalars()
    ids = list(stalled)
    db.session.commit()
    for bundle_id in ids:
        enqueue_build(bundle_id)
    return len(ids)


def _claim(bundle_id: int) -> datetime | None:
    """Take the build (one conditional update): the claim's time, or None when it is done or someone has it."""
    now = datetime.now(UTC)
    claimed = db.session.execute(
        db.update(Bundle)
        .where(Bundle.id == bundle_id, Bundle.status == BUILDING)
        .where(db.or_(Bundle.claimed_at.is_(None), Bundle.updated_at < now - STALLED))
        .values(claimed_at=now, progress=0, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return now if claimed.rowcount == 1 else None


def _mine(bundle_id: int, claim: datetime, commit: bool = True, **values) -> bool:
    """Update the bundle while this build still holds it; False once it was invalidated or taken over."""
    result = db.session.execute(
        db.update(Bundle)
        .where(Bundle.id == bundle_id, Bundle.claimed_at == claim, Bundle.status == BUILDING)
        .values(updated_at=datetime.now(UTC), **values)
        .execution_options(synchronize_session=False)
    )
    if commit:
        db.session.commit()
    return result.rowcount == 1


def build_bundle(bundle_id: int) -> None:
    """Build a claimed bundle: the ZIP streamed from its files into storage, progress noted as it goes."""
    with job_app_context():
        claim = _claim(bundle_id)
        if claim is None:
            return
        bundle = db.session.get(Bundle, bundle_id)
        storage, key = get_storage(), bundle.storage_key
        files = list(
            db.session.execute(
                db.select(StoredFile).where(StoredFile.id.in_(bundle.file_ids)).order_by(StoredFile.id)
            ).scalars()
        )
        if len(files) != len(bundle.file_ids) or fingerprint(files) != bundle.fingerprint:
            _mine(bundle_id, claim, status=FAILED, error="its files changed meanwhile")
            return
        archive = build_zip(zip_entries(files), storage)
        total = len(archive)
        db.session.commit()  # no transaction stays open through the long copy
        shown = {"percent": 0, "at": time.monotonic()}

        def report(sent: int) -> None:
            percent = min(99, sent * 100 // max(total, 1))
            quiet = time.monotonic() - shown["at"]
            if (percent > shown["percent"] and quiet >= PROGRESS_SECONDS) or quiet >= HEARTBEAT_SECONDS:
                shown.update(percent=percent, at=time.monotonic())
                if not _mine(bundle_id, claim, progress=percent):
                    raise _Abandoned()

        try:
            storage.save(
                _IterReader(iter(archive), total, report),
                key,
                "application/zip",
                part_size=multipart.part_size_for(total),
            )
        except _Abandoned:
            db.session.rollback()
            storage.delete(key)
            return
        except Exception:
            current_app.logger.exception("building bundle %s failed", bundle_id)
            db.session.rollback()
            storage.delete(key)
            _mine(bundle_id, claim, status=FAILED, error="storage could not write it")
            return
        # Ready and its emails in one transaction: nobody is told of a ZIP that is not there, nor left untold.
        if not _mine(bundle_id, claim, commit=False, status=READY, progress=100, size=total):
            db.session.rollback()
            storage.delete(key)  # invalidated (or deleted) meanwhile: nobody will ask for these bytes
            return
        commit_and_dispatch(BundleReady.queue(db.session.get(Bundle, bundle_id)))
