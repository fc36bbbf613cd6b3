"""The outbox rows: added in the event's transaction, batched per project, handed to delivery after commit."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import update

from portal.extensions import db
from portal.models import Message, Notification, NotificationItem, Project
from portal.models.notification import FAILED, PENDING

Entries = list[tuple[int, bool]]


def now() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


def add(org_id: int | None, to: str, kind: str, subject: str, context: dict, **fields) -> Notification:
    """Add one email to the outbox in the caller's transaction."""
    notification = Notification(
        org_id=org_id, to_email=to, kind=kind, subject=subject[:300], context=context, status=PENDING, **fields
    )
    db.session.add(notification)
    return notification


def batched(to: str, kind: str, project: Project, message: Message, subject: Callable[[int], str]) -> Notification:
    """Add the message to the recipient's waiting email about this project, or start one that waits a few minutes."""
    key = f"{kind}:{project.id}:{to}"
    held = waiting(key)
    if held is not None:
        db.session.add(NotificationItem(notification_id=held.id, message_id=message.id))
        db.session.flush()
        held.subject = subject(len(batched_message_ids(held)))[:300]
        return held
    notification = new_batch(to, kind, subject(1), project, key)
    db.session.flush()
    db.session.add(NotificationItem(notification_id=notification.id, message_id=message.id))
    return notification


def new_batch(to: str, kind: str, subject: str, project: Project, batch_key: str) -> Notification:
    """Start an email about a project that waits EMAIL_BATCH_SECONDS for more news to join it."""
    delay = timedelta(seconds=current_app.config["EMAIL_BATCH_SECONDS"])
    return add(
        project.org_id,
        to,
        kind,
        subject,
        {"project_id": project.id},
        project_id=project.id,
        batch_key=batch_key,
        next_attempt_at=now() + delay if delay else None,
    )


def _hold_batch(notification_id: int) -> bool:
    """Lock a waiting batch until this transaction ends; False when a worker has claimed it meanwhile.

    The no-op update takes the row lock (PostgreSQL) or the write lock (SQLite) that the worker's claim also
    needs: a claim either waits for this commit, and then sends the message added here, or came first, and the
    message starts the next email."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == PENDING, Notification.attempts == 0)
        .values(batch_key=Notification.batch_key)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def batched_message_ids(notification: Notification) -> list[int]:
    """The ids of the messages batched into a notification, oldest first."""
    return list(
        db.session.execute(
            db.select(NotificationItem.message_id)
            .where(NotificationItem.notification_id == notification.id)
            .order_by(NotificationItem.message_id)
        ).scalars()
    )


def already_queued(batch_key: str) -> bool:
    """Whether an email with this key was ever added (one email per version and recipient)."""
    return db.session.execute(db.select(Notification.id).where(Notification.batch_key == batch_key)).first() is not None


def too_many(to: str, kind: str, per_hour: int = 5) -> bool:
    """Whether this address already got ``per_hour`` emails of this kind in the last hour (no mail bombing)."""
    sent = db.session.execute(
        db.select(db.func.count(Notification.id)).where(
            Notification.to_email == to, Notification.kind == kind, Notification.created_at > now() - timedelta(hours=1)
        )
    ).scalar()
    return sent >= per_hour


def outbox(notifications: Iterable[Notification | None]) -> Entries:
    """Flush the new rows and note (id, due now) of each, to dispatch once the transaction has committed."""
    notifications = [n for n in notifications if n is not None]
    if not notifications:
        return []
    db.session.flush()
    at = now()
    return [(n.id, n.next_attempt_at is None or n.next_attempt_at <= at) for n in notifications]


def dispatch(entries: Entries) -> None:
    """Hand committed rows to delivery (the email job, which the app registers); never raises."""
    if entries:
        current_app.extensions["outbox.dispatch"](entries)


def commit_and_dispatch(*groups: Iterable[Notification | None]) -> Entries:
    """Commit the caller's transaction with its outbox rows, then hand the rows to delivery."""
    entries = outbox(n for group in groups for n in group)
    db.session.commit()
    dispatch(entries)
    return entries


def retry(notification: Notification) -> bool:
    """Put a failed notification back in the outbox (the operator pressed Retry) and dispatch it at once."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.id == notification.id, Notification.status == FAILED)
        .values(status=PENDING, next_attempt_at=None, attempts=0)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount == 1:
        dispatch([(notification.id, True)])
    return result.rowcount == 1


def waiting(batch_key: str) -> Notification | None:
    """The email with this key that still waits to be sent, held until this transaction ends (None when there is
    none, or a worker claimed it meanwhile and a change must start the next email)."""
    row = db.session.execute(
        db.select(Notification)
        .where(Notification.batch_key == batch_key, Notification.status == PENDING, Notification.attempts == 0)
        .order_by(Notification.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return row if row is not None and _hold_batch(row.id) else None
