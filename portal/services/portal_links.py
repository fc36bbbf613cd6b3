"""Portal links: creation, the token, options, new access codes, revocation and entry."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from werkzeug.security import generate_password_hash

from portal.extensions import db
from portal.models import Client, ClientSession, PortalLink, Project
from portal.models.client import normalize_email
from portal.models.portal_link import active_link_condition as active_link_condition  # client modules import it here
from portal.outbox import commit_and_dispatch
from portal.outbox.kinds.links import Invitation
from portal.services import tokens
from portal.services.access_codes import new_code
from portal.services.activity import Actor, record
from portal.services.errors import ServiceError

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
MAX_EXPIRY_DAYS = 3650


@dataclass(frozen=True)
class NewLink:
    """A link just made: the only moment its code is known in clear."""

    link: PortalLink
    token: str
    code: str | None


def _now() -> datetime:
    return datetime.now(UTC)


def derive_token(nonce: str) -> str:
    """The link's 256-bit token, recomputed from its nonce and the server secret (never stored)."""
    return tokens.link_token(nonce)


def hash_token(token: str) -> str:
    """What the database stores of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def link_token(link: PortalLink) -> str:
    """The token of an existing link, to show or copy it again."""
    return derive_token(link.token_nonce)


def create_link(
    org_id: int,
    actor: Actor,
    *,
    client: Client,
    project: Project | None,
    email: str,
    name: str | None = None,
    code_mode: str = "none",
    typed_code: str | None = None,
    expires_in_days: int | None = None,
    notify_email: bool = True,
    allow_uploads: bool = False,
    require_email_verification: bool = False,
    send_invitation: bool = False,
) -> NewLink:
    """Make a link for one project (or every project of the client when project is None)."""
    if client.org_id != org_id or (
        project is not None and (project.org_id != org_id or project.client_id != client.id)
    ):
        raise ServiceError("That client or project is not yours.", "email")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise ServiceError(f"Expiry is between 1 and {MAX_EXPIRY_DAYS} days, or empty for none.", "expires_in_days")
    code = new_code(typed_code) if code_mode in ("generate", "typed") else None
    if code_mode == "typed" and not typed_code:
        raise ServiceError("Type the 6-digit code, or choose to generate one.", "access_code")
    nonce = secrets.token_urlsafe(32)
    token = derive_token(nonce)
    link = PortalLink(
        org_id=org_id,
        client_id=client.id,
        project_id=project.id if project else None,
        client_email=normalize_email(email),
        # A name only for its own person: typed here, or the client's when the link goes to the client's address.
        client_name=(name or "").strip() or (client.name if normalize_email(email) == client.email else None),
        token_hash=hash_token(token),
        token_nonce=nonce,
        access_code_hash=generate_password_hash(code) if code else None,
        access_code_version=1 if code else 0,
        expires_at=_now() + timedelta(days=expires_in_days) if expires_in_days else None,
        notify_email=notify_email,
        allow_uploads=allow_uploads,
        require_email_verification=require_email_verification,
        created_by_id=actor.user_id,
    )
    db.session.add(link)
    if project is not None:
        project.client_portal_enabled = True
    db.session.flush()
    scope = f"project {project.name}" if project else f"all projects of {client.name}"
    record(
        actor,
        "link.created",
        f"{actor.label} created a portal link for {link.client_email} ({scope})",
        subject=link,
        details={"with_code": bool(code), "expires_at": link.expires_at.isoformat() if link.expires_at else None},
    )
    commit_and_dispatch(_invite(link, actor) if send_invitation else [])
    return NewLink(link, token, code)


def _invite(link: PortalLink, actor: Actor):
    record(actor, "link.invited", f"{actor.label} emailed the portal link to {link.client_email}", subject=link)
    return Invitation.queue(link)


def send_invitation(link: PortalLink, actor: Actor) -> None:
    """Email the link itself to its client (the access code, if any, is never in the email)."""
    if not link.is_active(_now()):
        raise ServiceError("This link is no longer active.", "email")
    commit_and_dispatch(_invite(link, actor))


def rotate_code(link: PortalLink, actor: Actor, typed_code: str | None = None) -> str:
    """Give the link a new access code (ending sessions opened with the old one) and clear any lock."""
    code = new_code(typed_code)
    link.access_code_hash = generate_password_hash(code)
    link.access_code_version += 1
    link.failed_attempts = 0
    link.locked_until = None
    link.code_locked = False
    _end_sessions(link)
    record(actor, "link.code_rotated", f"{actor.label} set a new access code for {link.client_email}", subject=link)
    db.session.commit()
    return code


TOGGLES = {
    "notify_email": ("link.notifications", "email notifications"),
    "allow_uploads": ("link.uploads", "client uploads"),
    "require_email_verification": ("link.email_verification", "email verification"),
}


def set_option(link: PortalLink, actor: Actor, option: str, on: bool) -> PortalLink:
    """Turn one of the link's options (email notifications, client uploads) on or off."""
    verb, label = TOGGLES[option]
    setattr(link, option, on)
    record(actor, verb, f"{actor.label} turned {label} {'on' if on else 'off'} for {link.client_email}", subject=link)
    db.session.commit()
    return link


def revoke(link: PortalLink, actor: Actor) -> PortalLink:
    """Revoke the link at once; every session opened with it ends on its next request."""
    if link.revoked_at is None:
        link.revoked_at = _now()
        _end_sessions(link)
        record(actor, "link.revoked", f"{actor.label} revoked the portal link of {link.client_email}", subject=link)
        db.session.commit()
    return link


def _end_sessions(link: PortalLink) -> None:
    """End on the server every client session opened through the link; the caller commits."""
    db.session.execute(
        update(ClientSession)
        .where(ClientSession.link_id == link.id, ClientSession.ended_at.is_(None))
        .values(ended_at=_now())
        .execution_options(synchronize_session=False)
    )


def find_active_link(token: str) -> PortalLink | None:
    """The active link for a token; malformed, unknown, revoked and expired tokens all give None."""
    if not TOKEN_PATTERN.match(token or ""):
        return None
    link = db.session.execute(
        db.select(PortalLink).where(PortalLink.token_hash == hash_token(token))
    ).scalar_one_or_none()
    if link is None or not link.is_active(_now()):
        return None
    return link


def record_entry(link: PortalLink, ip: str | None, user_agent: str | None) -> None:
    """Count a human entry into the portal (mail scanners fetching the link are not counted)."""
    db.session.execute(
        update(PortalLink)
        .where(PortalLink.id == link.id)
        .values(access_count=PortalLink.access_count + 1, last_accessed_at=_now())
    )
    actor = Actor.client(link.client_email, ip, user_agent)
    record(actor, "link.entered", f"{link.client_email} opened the portal", subject=link)
    db.session.commit()


def links_for(org_id: int, *, project_id: int | None = None, client_id: int | None = None) -> list[PortalLink]:
    """A project's links, or a client's client-wide links, newest first."""
    query = db.select(PortalLink).where(PortalLink.org_id == org_id)
    if project_id is not None:
        query = query.where(PortalLink.project_id == project_id)
    else:
        query = query.where(PortalLink.client_id == client_id, PortalLink.project_id.is_(None))
    return list(db.session.execute(query.order_by(PortalLink.created_at.desc(), PortalLink.id.desc())).scalars())
