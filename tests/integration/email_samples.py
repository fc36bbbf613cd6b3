"""One rendered email of each kind, from a database holding the demo: an email already in the outbox when
there is one, otherwise one made by the kind's own builder (and rolled back afterwards)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from portal import mailer
from portal.extensions import db
from portal.models import (
    Deliverable,
    EmailVerification,
    Invoice,
    Message,
    Notification,
    Organization,
    PortalLink,
    Project,
    Proposal,
)
from portal.services import notifications

TEMPLATES = Path(mailer.__file__).parent / "templates" / "emails"


def _made(build, model, *conditions) -> list[Notification]:
    """What the builder makes for the first matching row it makes anything for (a builder may send nothing)."""
    for row in db.session.execute(db.select(model).where(*conditions).order_by(model.id)).scalars():
        made = build(row)
        made = [n for n in (made if isinstance(made, list) else [made]) if n is not None]
        if made:
            db.session.flush()
            return made
    return []


def _verification_code(link: PortalLink) -> Notification:
    verification = EmailVerification(
        org_id=link.org_id,
        link_id=link.id,
        email=link.client_email,
        code_nonce=secrets.token_urlsafe(24),
        code_hash="-",
        expires_at=datetime.now(UTC) + timedelta(minutes=15),
    )
    db.session.add(verification)
    db.session.flush()
    return notifications.verification_code(verification)


def _message(build):
    return lambda message: build(db.session.get(Project, message.project_id), message)


active_link = PortalLink.revoked_at.is_(None)
# How to make an email of a kind the outbox has none of: its builder, and the rows to try it on.
MAKERS = {
    "invitation": (notifications.invitation, PortalLink, active_link),
    "verification_code": (_verification_code, PortalLink, active_link),
    "messages": (_message(notifications.operator_message), Message, Message.sender_type == "operator"),
    "client_messages": (_message(notifications.client_message), Message, Message.sender_type == "client"),
    "deliverable_ready": (notifications.deliverable_ready, Deliverable, Deliverable.client_visible),
    "deliverable_decided": (notifications.deliverable_decided, Deliverable, Deliverable.approval_status != "pending"),
    "proposal_sent": (notifications.proposal_sent, Proposal, Proposal.status == "sent"),
    "proposal_answered": (notifications.proposal_answered, Proposal, Proposal.status.in_(("accepted", "declined"))),
    "invoice_sent": (notifications.invoice_sent, Invoice, Invoice.status == "sent"),
    "client_upload": (lambda project: notifications.client_upload(project, "Casey Client", ["pier.jpg"]), Project),
    "link_locked": (lambda link: notifications.link_locked(link, 5, False), PortalLink, active_link),
}


def kinds() -> list[str]:
    """Every email kind: one HTML template each."""
    return sorted(path.stem for path in TEMPLATES.glob("*.html") if not path.stem.startswith("_"))


def _render(notification: Notification) -> str | None:
    try:
        context = notifications.email_context(notification)
    except LookupError:  # NotWanted too: this one would no longer be sent
        return None
    return mailer.build(notification, db.session.get(Organization, notification.org_id), context).html


def one_of_each_kind() -> dict[str, str]:
    """The HTML part of one email of every kind (call inside an app and request context)."""
    rendered: dict[str, str] = {}
    for notification in db.session.execute(db.select(Notification).order_by(Notification.id.desc())).scalars():
        if notification.kind not in rendered and (html := _render(notification)):
            rendered[notification.kind] = html
    for kind in kinds():
        if kind in rendered:
            continue
        assert kind in MAKERS, f"no {kind} email in the demo's outbox: add a maker for it to {__name__}.MAKERS"
        for notification in _made(*MAKERS[kind]):
            if html := _render(notification):
                rendered[kind] = html
                break
        assert kind in rendered, f"could not render a {kind} email"
    db.session.rollback()
    return rendered
