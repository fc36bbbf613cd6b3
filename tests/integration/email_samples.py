"""One rendered email of each kind, from a database holding the demo: an email already in the outbox when
there is one, otherwise one made by the kind's own builder (and rolled back afterwards)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from portal import mailer
from portal.extensions import db
from portal.models import (
    Bundle,
    BundleRequest,
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
from portal.models.bundle import READY as BUNDLE_READY
from portal.outbox import email_context
from portal.outbox.kinds.account import AccountLocked, MemberInvitation, SignupExists
from portal.outbox.kinds.billing import InvoiceSent, ProposalAnswered, ProposalSent
from portal.outbox.kinds.bundles import BundleReady
from portal.outbox.kinds.deliverables import DeliverableDecided, DeliverableReady
from portal.outbox.kinds.files import ClientUpload
from portal.outbox.kinds.links import Invitation as InvitationEmail
from portal.outbox.kinds.links import LinkLocked, VerificationCode
from portal.outbox.kinds.messages import ClientMessages, Messages
from portal.outbox.kinds.progress import ProjectProgress, ProposalSigned
from portal.outbox.registry import CLIENT, KINDS
from portal.services import accounts, bundles, invitations, tokens

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
    return VerificationCode.queue(verification)


def _account_token(purpose: str, kind: str):
    """An account email carrying a new token of this purpose, for the first user."""

    def make(user: User) -> Notification:
        extra = {"name": user.name, "org_name": "Sample", "password_hash": "-"} if purpose == PURPOSE_SIGNUP else {}
        token = accounts.new_token(purpose, user.email, timedelta(hours=1), **extra)
        return KINDS[kind].queue(token)

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
    return MemberInvitation.queue(invitation, org, "Sample Owner")


def _bundle_ready(deliverable: Deliverable) -> list[Notification]:
    """A built "Download all" of the deliverable that its client asked for."""
    project = db.session.get(Project, deliverable.project_id)
    files = bundles.deliverable_files(deliverable.id, client_only=True)
    if not files:
        return []
    bundle = Bundle(
        org_id=project.org_id,
        deliverable_id=deliverable.id,
        version=deliverable.version,
        fingerprint=bundles.fingerprint(files),
        file_ids=[f.id for f in files],
        storage_key=f"sample/bundle-{deliverable.id}.zip",
        status=BUNDLE_READY,
        progress=100,
    )
    db.session.add(bundle)
    db.session.flush()
    db.session.add(BundleRequest(bundle_id=bundle.id, email=project.client.email, audience=CLIENT))
    db.session.flush()
    return BundleReady.queue(bundle)


def _message(build):
    return lambda message: build(db.session.get(Project, message.project_id), message)


active_link = PortalLink.revoked_at.is_(None)
# How to make an email of a kind the outbox has none of: its builder, and the rows to try it on.
MAKERS = {
    "invitation": (InvitationEmail.queue, PortalLink, active_link),
    "verification_code": (_verification_code, PortalLink, active_link),
    "messages": (_message(Messages.queue), Message, Message.sender_type == "operator"),
    "client_messages": (_message(ClientMessages.queue), Message, Message.sender_type == "client"),
    "deliverable_ready": (DeliverableReady.queue, Deliverable, Deliverable.client_visible),
    "deliverable_decided": (DeliverableDecided.queue, Deliverable, Deliverable.approval_status != "pending"),
    "proposal_sent": (ProposalSent.queue, Proposal, Proposal.status == "sent"),
    "proposal_answered": (ProposalAnswered.queue, Proposal, Proposal.status.in_(("accepted", "declined"))),
    "invoice_sent": (InvoiceSent.queue, Invoice, Invoice.status == "sent"),
    "client_upload": (lambda project: ClientUpload.queue(project, "Casey Client", ["pier.jpg"]), Project),
    "link_locked": (lambda link: LinkLocked.queue(link, 5, False), PortalLink, active_link),
    "signup_confirm": (_account_token(PURPOSE_SIGNUP, "signup_confirm"), User),
    "confirm_email": (_account_token(PURPOSE_CONFIRM, "confirm_email"), User),
    "password_reset": (_account_token(PURPOSE_RESET, "password_reset"), User),
    "signup_exists": (lambda user: SignupExists.queue(user.email), User),
    "account_locked": (lambda user: AccountLocked.queue(user.email, 15), User),
    "member_invitation": (_member_invitation, Organization),
    "proposal_signed": (lambda p: ProposalSigned.queue(p, p.client.email), Proposal, Proposal.status == "accepted"),
    "project_progress": (ProjectProgress.queue, Project, Project.status.in_(("scheduled", "in_progress"))),
    "bundle_ready": (_bundle_ready, Deliverable, Deliverable.client_visible),
}


def kinds() -> list[str]:
    """Every email kind: one HTML template each."""
    return sorted(path.stem for path in TEMPLATES.glob("*.html") if not path.stem.startswith("_"))


def _render(notification: Notification) -> str | None:
    try:
        context = email_context(notification)
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
