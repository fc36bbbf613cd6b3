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
    Invitation,
    Invoice,
    Message,
    Notification,
    Organization,
    PortalLink,
    Project,
    Proposal,
    User,
)
from portal.models.account_token import PURPOSE_CONFIRM, PURPOSE_RESET, PURPOSE_SIGNUP
from portal.services import account_emails, accounts, invitations, notifications, tokens

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


def _account_token(purpose: str, kind: str):
    """An account email carrying a new token of this purpose, for the first user."""

    def make(user: User) -> Notification:
        extra = {"name": user.name, "org_name": "Sample", "password_hash": "-"} if purpose == PURPOSE_SIGNUP else {}
        token = accounts.new_token(purpose, user.email, timedelta(hours=1), **extra)
        return account_emails.for_token(token, kind, "Sample")

    return make


def _member_invitation(org: Organization) -> Notification:
    nonce, token_hash = tokens.issue(invitations.PURPOSE)
    invitation = Invitation(
        org_id=org.id,
        email="sample@example.com",
        role="member",
        invited_by_name="Sample Owner",
        token_nonce=nonce,
        token_hash=token_hash,
        expires_at=datetime.now(UTC) + invitations.VALID_FOR,
    )
    db.session.add(invitation)
    db.session.flush()
    return account_emails.add(
        invitation.email, "member_invitation", "Sample", {"invitation_id": invitation.id}, org_id=org.id
    )


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
    "signup_confirm": (_account_token(PURPOSE_SIGNUP, "signup_confirm"), User),
    "confirm_email": (_account_token(PURPOSE_CONFIRM, "confirm_email"), User),
    "password_reset": (_account_token(PURPOSE_RESET, "password_reset"), User),
    "signup_exists": (lambda user: account_emails.add(user.email, "signup_exists", "Sample", {}), User),
    "account_locked": (lambda user: account_emails.add(user.email, "account_locked", "Sample", {"minutes": 15}), User),
    "member_invitation": (_member_invitation, Organization),
    "proposal_signed": (
        lambda p: notifications.proposal_signed(p, p.client.email),
        Proposal,
        Proposal.status == "accepted",
    ),
    "project_progress": (notifications.project_progress, Project, Project.status.in_(("scheduled", "in_progress"))),
}


def kinds() -> list[str]:
    """Every email kind: one HTML template each."""
    return sorted(path.stem for path in TEMPLATES.glob("*.html") if not path.stem.startswith("_"))


def _render(notification: Notification) -> str | None:
    try:
        context = notifications.email_context(notification)
    except LookupError:  # NotWanted too: this one would no longer be sent
        return None
    org = db.session.get(Organization, notification.org_id) if notification.org_id else None
    return mailer.build(notification, org, context).html


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
