"""Dashboard: the email log (the organization's outbox) with a retry for failed emails."""

from __future__ import annotations

from flask import g, request, url_for

from portal import outbox
from portal.dashboard import bp
from portal.dashboard.loaders import load
from portal.extensions import db
from portal.htmx import done, render
from portal.models import Notification
from portal.models.notification import FAILED, STATUS_LABELS, STATUSES

PAGE = "dashboard/emails/index.html"
PAGE_SIZE = 100


def _context(status: str) -> dict:
    query = db.select(Notification).where(Notification.org_id == g.org.id)
    if status:
        query = query.where(Notification.status == status)
    rows = db.session.execute(query.order_by(Notification.id.desc()).limit(PAGE_SIZE)).scalars().all()
    counts = dict(
        db.session.execute(
            db.select(Notification.status, db.func.count())
            .where(Notification.org_id == g.org.id)
            .group_by(Notification.status)
        ).all()
    )
    return {
        "emails": rows,
        "status_filter": status,
        "status_labels": STATUS_LABELS,
        "kind_labels": outbox.KIND_LABELS,
        "counts": counts,
    }


def _status() -> str:
    status = request.values.get("status", "")
    return status if status in STATUSES else ""


@bp.get("/emails")
def emails_index():
    """Every email of the organization, newest first, with its delivery state."""
    return render(PAGE, "email_list", **_context(_status()))


@bp.post("/emails/<int:notification_id>/retry")
def emails_retry(notification_id: int):
    """Send a failed email again."""
    notification = load(Notification, notification_id)
    if notification.status != FAILED:
        message = "Only a failed email can be retried."
    else:
        outbox.retry(notification)
        message = f"Email to {notification.to_email} queued again."
    status = _status()
    return done(
        url_for("dashboard.emails_index", status=status or None),
        message,
        template=PAGE,
        block="email_list",
        oob=("email_filters",),
        **_context(status),
    )
