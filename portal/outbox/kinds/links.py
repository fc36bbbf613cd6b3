"""Portal links: the invitation and the verification code to the client, a locked access code to the operators."""

from __future__ import annotations

from portal.extensions import db
from portal.mailer import public_url_for as url
from portal.models import EmailVerification, Notification, Organization, PortalLink, Project
from portal.outbox.registry import CLIENT, OPERATOR, EmailKind, require
from portal.outbox.rows import now
from portal.services import tokens


class Invitation(EmailKind, name="invitation", label="Portal invitation", audience=CLIENT):
    """The one email whose body is the link itself (derived again at send time, never stored)."""

    @classmethod
    def queue(cls, link: PortalLink) -> list[Notification]:
        """Invite the link's client to the portal."""
        org = db.session.get(Organization, link.org_id)
        subject = f"Your client portal with {org.name}"
        return cls.to_each([link.client_email], link.org_id, subject, {"link_id": link.id}, project_id=link.project_id)

    @classmethod
    def content(cls, notification: Notification) -> dict:
        link = require(db.session.get(PortalLink, (notification.context or {})["link_id"]), "link")
        if not link.is_active(now()):
            raise LookupError("The link was revoked or expired before the invitation went out.")
        project = db.session.get(Project, link.project_id) if link.project_id else None
        return {
            "link": link,
            "project": project,
            "url": url("portal.entry", token=tokens.link_token(link.token_nonce)),
            "has_code": bool(link.access_code_hash),
        }


class VerificationCode(EmailKind, name="verification_code", label="Verification code", audience=CLIENT):
    """The mail carrying a one-time code (derived again at send time from its nonce, never stored)."""

    @classmethod
    def queue(cls, verification: EmailVerification) -> list[Notification]:
        """Mail a verification's code to its address."""
        org = db.session.get(Organization, verification.org_id)
        subject = f"Your {org.name} verification code"
        return cls.to_each([verification.email], verification.org_id, subject, {"verification_id": verification.id})

    @classmethod
    def content(cls, notification: Notification) -> dict:
        data = notification.context or {}
        verification = require(db.session.get(EmailVerification, data["verification_id"]), "verification")
        if verification.used_at is not None or verification.expires_at <= now():
            raise LookupError("The code expired or was used before it could be sent.")
        minutes = max(1, int((verification.expires_at - verification.created_at).total_seconds() // 60))
        return {"code": tokens.email_code(verification.code_nonce), "minutes": minutes}


class LinkLocked(EmailKind, name="link_locked", label="Access code locked", audience=OPERATOR):
    """A link's access code was locked after wrong tries: to the operators."""

    @classmethod
    def queue(cls, link: PortalLink, failures: int, for_good: bool) -> list[Notification]:
        """Tell the operators a link's access code was locked after wrong tries."""
        state = "locked" if for_good else "paused"
        subject = f"Access code of {link.client_email} {state} after {failures} wrong tries"
        context = {"link_id": link.id, "failures": failures, "for_good": for_good}
        return cls.to_operators(link.org_id, subject, context, project_id=link.project_id)

    @classmethod
    def content(cls, notification: Notification) -> dict:
        data = notification.context or {}
        link = require(db.session.get(PortalLink, data["link_id"]), "link")
        if link.project_id:
            where = url("dashboard.projects_show", project_id=link.project_id, _anchor="portal-links")
        else:
            where = url("dashboard.clients_show", client_id=link.client_id, _anchor="portal-links")
        return {"link": link, "failures": data["failures"], "for_good": data["for_good"], "url": where}
