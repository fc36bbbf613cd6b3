"""The email jobs: deliver one notification (idempotently), and sweep the outbox for rows left behind."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

from flask import current_app
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import delete, update

from portal import mailer
from portal.extensions import db
from portal.jobs import enqueue_unique, get_queue, job_app_context
from portal.models import Notification, Organization
from portal.models.notification import FAILED, PENDING, SENDING, SENT
from portal.outbox import NotWanted, email_context
from portal.outbox.kinds.deliverables import DeliverableReady

log = logging.getLogger(__name__)
_held: ContextVar[bool] = ContextVar("email_dispatch_held", default=False)


@contextmanager
def held():
    """Leave new notifications in the outbox instead of sending them (seeding demo data)."""
    token = _held.set(True)
    try:
        yield
    finally:
        _held.reset(token)


def _now() -> datetime:
    return datetime.now(UTC)


def job_id(notification_id: int) -> str:
    """One RQ job id per notification and queue: enqueuing it again while it waits adds nothing."""
    return f"{current_app.config['RQ_QUEUE']}-notification-{notification_id}"


def dispatch(entries) -> None:
    """After commit: enqueue each due notification (a batched one waits for the sweeper), or without Redis
    deliver every one inline at once; never raises, since the event itself has already happened."""
    if not entries or _held.get():
        return
    queue = get_queue()
    if queue is None:
        for notification_id, _due in entries:
            try:
                deliver_notification(notification_id, inline=True)
            except Exception:
                current_app.logger.exception("inline delivery of notification %s failed", notification_id)
        return
    ids = [notification_id for notification_id, due in entries if due]
    try:
        for notification_id in ids:
            enqueue_unique(queue, deliver_notification, notification_id, job_id=job_id(notification_id))
    except Exception:
        # The rows stay pending: the sweeper enqueues them once Redis answers again.
        current_app.logger.warning("could not enqueue notifications %s; the sweeper will retry", ids, exc_info=True)


def claim(notification_id: int, *, inline: bool = False) -> bool:
    """Move a due pending row to sending; only one caller can win, so a job run twice sends once."""
    now = _now()
    due = db.true() if inline else db.or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now)
    result = db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == PENDING, due)
        .values(status=SENDING, attempts=Notification.attempts + 1, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off: base, 2×base, 4×base…, capped at six hours."""
    base = current_app.config["EMAIL_RETRY_BASE_SECONDS"]
    return timedelta(seconds=min(base * 2 ** max(0, attempts - 1), 6 * 3600))


def deliver_notification(notification_id: int, inline: bool = False) -> str:
    """Send one notification if this call wins its claim; returns what happened (for logs and tests)."""
    with job_app_context():
        return _deliver(notification_id, inline)


def _deliver(notification_id: int, inline: bool) -> str:
    if not claim(notification_id, inline=inline):
        return "skipped"
    notification = db.session.get(Notification, notification_id)
    org = db.session.get(Organization, notification.org_id) if notification.org_id is not None else None
    try:
        message = mailer.build(notification, org, email_context(notification))
        mailer.send(message)
    except mailer.SendFailure as exc:
        return _failed(notification, exc.reason, exc.temporary)
    except NotWanted as exc:
        _finish(notification.id, status=FAILED, last_error=str(exc))
        return "cancelled"
    except Exception as exc:  # a bug or missing data: keep the reason, let the operator retry after a fix
        current_app.logger.exception("notification %s could not be built", notification_id)
        return _failed(notification, f"{exc.__class__.__name__}: {exc}", temporary=False)
    _finish(notification.id, status=SENT, sent_at=_now(), message_id=message.msgId, last_error=None)
    current_app.logger.info("notification %s (%s) sent", notification.id, notification.kind)
    return "sent"


def _finish(notification_id: int, **values) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == SENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _failed(notification: Notification, reason: str, temporary: bool) -> str:
    attempts = notification.attempts
    if temporary and attempts < current_app.config["EMAIL_MAX_ATTEMPTS"]:
        _finish(notification.id, status=PENDING, next_attempt_at=_now() + retry_delay(attempts), last_error=reason)
        current_app.logger.warning("notification %s: temporary failure (%s), will retry", notification.id, reason)
        return "retry"
    _finish(notification.id, status=FAILED, last_error=reason)
    current_app.logger.error("notification %s failed: %s", notification.id, reason)
    return "failed"


def sweep() -> dict:
    """Release rows stuck in sending (a worker died) and enqueue every due pending row (Redis was down, back-off)."""
    with job_app_context():
        return _sweep()


def _sweep() -> dict:
    now = _now()
    stuck_before = now - timedelta(seconds=current_app.config["EMAIL_STUCK_SECONDS"])
    released = db.session.execute(
        update(Notification)
        .where(Notification.status == SENDING, Notification.claimed_at < stuck_before)
        .values(status=PENDING, next_attempt_at=None, last_error="The worker stopped while sending; retried.")
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    purged = _purge(now)
    due = list(
        db.session.execute(
            db.select(Notification.id)
            .where(
                Notification.status == PENDING,
                db.or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
            )
            .order_by(Notification.id)
            .limit(500)
        ).scalars()
    )
    db.session.commit()
    queue, redis = get_queue(), None
    if queue is not None and due:
        redis = "ok"
        try:
            for notification_id in due:
                enqueue_unique(queue, deliver_notification, notification_id, job_id=job_id(notification_id))
        except (RedisConnectionError, RedisTimeoutError):
            # Without Redis no job runs: the sweeper sends what is due itself (a claim keeps each to one send).
            redis, queue = "unreachable", None
    if queue is None:
        for notification_id in due:
            deliver_notification(notification_id)
    if released or due or purged:
        current_app.logger.info("sweeper: %s released, %s due, %s purged", released, len(due), purged)
    return {"released": released, "due": len(due), "purged": purged, **({"redis": redis} if redis else {})}


def _purge(now: datetime) -> int:
    """Delete sent emails older than ``EMAIL_RETENTION_DAYS`` (0 keeps them forever), a thousand per sweep."""
    days = current_app.config["EMAIL_RETENTION_DAYS"]
    if days <= 0:
        return 0
    old = (
        db.select(Notification.id)
        .where(
            Notification.status == SENT,
            Notification.sent_at < now - timedelta(days=days),
            # Its row is what keeps "ready for your review" to one email per version and recipient.
            Notification.kind != DeliverableReady.name,
        )
        .limit(1000)
    )
    purged = db.session.execute(
        delete(Notification)
        .where(Notification.id.in_(old.scalar_subquery()))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return purged
