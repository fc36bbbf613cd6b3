"""Dashboard: the email log (the organization's outbox) with a retry for failed emails."""

from __future__ import annotations

from flask import g, request
from sqlalchemy.orm import load_only

from portal import outbox
from portal.dashboard import bp
from portal.dashboard.loaders import load
from portal.dashboard.paging import paginate, search_text
from portal.extensions import db
from portal.htmx import done, render
from portal.models import Notification
from portal.models.notification import FAILED, STATUS_LABELS, STATUSES
from portal.services.search import matches

PAGE = "dashboard/emails/index.html"
# The columns the log shows (and the ones its status label reads).
SHOWN = (
    Notification.created_at,
    Notification.to_email,
    Notification.kind,
    Notification.subject,
    Notification.status,
    Notification.transport,
    Notification.sent_at,
    Notification.next_attempt_at,
    Notification.attempts,
    Notification.last_error,
)


def _context(status: str) -> dict:
    query = (
        db.select(Notification)
        .options(load_only(*SHOWN))
        .where(Notification.org_id == g.org.id)
        .order_by(Notification.id.desc())
    )
    if status:
        query = query.where(Notification.status == status)
    search = search_text()
    if search:
        query = query.where(matches(search, Notification.to_email, Notification.subject))
    page = paginate(query, "dashboard.emails_index", {"q": search, "status": status}, entities=True)
    counts = dict(
        db.session.execute(
            db.select(Notification.status, db.func.count())
            .where(Notification.org_id == g.org.id)
            .group_by(Notification.status)
        ).all()
    )
    return {
        "emails": page.rows,
        "page": page,
        "search": search,
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
    context = _context(_status())
    return done(
        context["page"].url(context["page"].number),
        message,
        template=PAGE,
        block="email_list",
        oob=("email_filters",),
        **context,
    )
