"""Portal links: creation, the token and access code, lock-outs, revocation and entry."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, update
from werkzeug.security import check_password_hash, generate_password_hash

from portal.extensions import db
from portal.models import Client, ClientSession, PortalLink, Project
from portal.models.activity import ACTOR_CLIENT, ACTOR_SYSTEM
from portal.models.client import normalize_email
from portal.models.portal_link import active_link_condition as active_link_condition  # client modules import it here
from portal.outbox import commit_and_dispatch
from portal.outbox.kinds.links import Invitation, LinkLocked
from portal.services import tokens
from portal.services.activity import Actor, record
from portal.services.errors import ServiceError

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
CODE_PATTERN = re.compile(r"^[0-9]{6}$")  # ASCII digits only: \d would accept "１２３４５６"
LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)
LOCK_FOR_GOOD_AFTER = 20
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


def _new_code(typed: str | None) -> str:
    if typed:
        typed = typed.strip()
        if not CODE_PATTERN.match(typed):
            raise ServiceError("The access code is exactly 6 digits.", "access_code")
        return typed
    return f"{secrets.randbelow(1_000_000):06d}"


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
    code = _new_code(typed_code) if code_mode in ("generate", "typed") else None
    if code_mode == "typed" and not typed_code:
        raise ServiceError("Type the 6-digit code, or choose to generate one.", "access_code")
    nonce = secrets.token_urlsafe(32)
    token = derive_token(nonce)
    link = PortalLink(
        org_id=org_id,
        client_id=client.id,
        project_id=project.id if project else None,
        client_email=normalize_email(email),
        client_name=(name or "").strip() or client.name,
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
        org_id,
        actor,
        "link.created",
        f"{actor.label} created a portal link for {link.client_email} ({scope})",
        project_id=project.id if project else None,
        subject=link,
        details={"with_code": bool(code), "expires_at": link.expires_at.isoformat() if link.expires_at else None},
    )
    commit_and_dispatch(_invite(link, actor) if send_invitation else [])
    return NewLink(link, token, code)


def _invite(link: PortalLink, actor: Actor):
    record(
        link.org_id,
        actor,
        "link.invited",
        f"{actor.label} emailed the portal link to {link.client_email}",
        project_id=link.project_id,
        subject=link,
    )
    return Invitation.queue(link)


def send_invitation(link: PortalLink, actor: Actor) -> None:
    """Email the link itself to its client (the access code, if any, is never in the email)."""
    if not link.is_active(_now()):
        raise ServiceError("This link is no longer active.", "email")
    commit_and_dispatch(_invite(link, actor))


def rotate_code(link: PortalLink, actor: Actor, typed_code: str | None = None) -> str:
    """Give the link a new access code (ending sessions opened with the old one) and clear any lock."""
    code = _new_code(typed_code)
    link.access_code_hash = generate_password_hash(code)
    link.access_code_version += 1
    link.failed_attempts = 0
    link.locked_until = None
    link.code_locked = False
    _end_sessions(link)
    record(
        link.org_id,
        actor,
        "link.code_rotated",
        f"{actor.label} set a new access code for {link.client_email}",
        project_id=link.project_id,
        subject=link,
    )
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
    record(
        link.org_id,
        actor,
        verb,
        f"{actor.label} turned {label} {'on' if on else 'off'} for {link.client_email}",
        project_id=link.project_id,
        subject=link,
    )
    db.session.commit()
    return link


def revoke(link: PortalLink, actor: Actor) -> PortalLink:
    """Revoke the link at once; every session opened with it ends on its next request."""
    if link.revoked_at is None:
        link.revoked_at = _now()
        _end_sessions(link)
        record(
            link.org_id,
            actor,
            "link.revoked",
            f"{actor.label} revoked the portal link of {link.client_email}",
            project_id=link.project_id,
            subject=link,
        )
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


class CodeResult:
    """Outcomes of an access-code attempt."""

    OK = "ok"
    WRONG = "wrong"
    MALFORMED = "malformed"
    LOCKED = "locked"  # temporarily: 429 with Retry-After
    LOCKED_FOR_GOOD = "locked_for_good"  # until the operator sets a new code


@dataclass(frozen=True)
class CodeCheck:
    """The answer to an access-code attempt."""

    result: str
    retry_after: int = 0


def check_code(link: PortalLink, code: str, ip: str | None, user_agent: str | None) -> CodeCheck:
    """Check an access code, counting every wrong one exactly, also under concurrency."""
    code = (code or "").strip()
    if not CODE_PATTERN.match(code):
        return CodeCheck(CodeResult.MALFORMED)
    # The code is checked even while locked, so that every wrong guess is counted, however many arrive at once.
    correct = check_password_hash(link.access_code_hash or "", code)
    now = _now()
    if correct:
        return _let_in(link, now)
    # One atomic statement per wrong try counts it and lands the lock: parallel attempts are never lost, and a
    # right code checked at the same moment sees the lock (see _let_in).
    failures_after = PortalLink.failed_attempts + 1
    counted = db.session.execute(
        update(PortalLink)
        .where(PortalLink.id == link.id)
        .values(
            failed_attempts=failures_after,
            code_locked=db.or_(PortalLink.code_locked, failures_after >= LOCK_FOR_GOOD_AFTER),
            locked_until=db.case(
                (
                    db.and_(failures_after % LOCK_AFTER == 0, failures_after < LOCK_FOR_GOOD_AFTER),
                    bindparam("lock_until", now + LOCK_FOR, type_=PortalLink.locked_until.type),
                ),
                else_=PortalLink.locked_until,
            ),
        )
        .returning(PortalLink.failed_attempts, PortalLink.locked_until, PortalLink.code_locked)
        .execution_options(synchronize_session=False)
    ).one()
    failures, locked_until = counted.failed_attempts, counted.locked_until
    actor = Actor(ACTOR_CLIENT, link.client_email, ip=ip, user_agent=(user_agent or "")[:400] or None)
    record(
        link.org_id,
        actor,
        "link.code_failed",
        f"Wrong access code for {link.client_email} ({failures} in a row)",
        project_id=link.project_id,
        subject=link,
        details={"failures": failures},
    )
    system = Actor(ACTOR_SYSTEM, "Portal")
    alerts = []
    if counted.code_locked:
        if failures == LOCK_FOR_GOOD_AFTER:
            record(
                link.org_id,
                system,
                "link.locked",
                f"Access code of {link.client_email} locked after {failures} wrong tries; set a new code to unlock",
                project_id=link.project_id,
                subject=link,
                details={"failures": failures, "for_good": True},
            )
            alerts = LinkLocked.queue(link, failures, for_good=True)
        result = CodeCheck(CodeResult.LOCKED_FOR_GOOD)
    elif failures % LOCK_AFTER == 0:
        record(
            link.org_id,
            system,
            "link.locked",
            f"Access code of {link.client_email} locked for 15 minutes after {failures} wrong tries",
            project_id=link.project_id,
            subject=link,
            details={"failures": failures},
        )
        # The operator hears of the first pause; later ones come with the final lock at twenty.
        if failures == LOCK_AFTER:
            alerts = LinkLocked.queue(link, failures, for_good=False)
        result = CodeCheck(CodeResult.LOCKED, _seconds(LOCK_FOR))
    elif locked_until is not None and locked_until > now:
        result = CodeCheck(CodeResult.LOCKED, _seconds(locked_until - now))
    else:
        result = CodeCheck(CodeResult.WRONG)
    commit_and_dispatch(alerts)
    return result


def _let_in(link: PortalLink, now: datetime) -> CodeCheck:
    """A right code: decided by one conditional update reading the lock state as it is in the database now (not
    as loaded before the slow hash), so a lock landing from parallel wrong codes, or a new code, wins."""
    opened = db.session.execute(
        update(PortalLink)
        .where(
            PortalLink.id == link.id,
            PortalLink.access_code_version == link.access_code_version,
            PortalLink.code_locked.is_(False),
            db.or_(PortalLink.locked_until.is_(None), PortalLink.locked_until <= now),
        )
        .values(failed_attempts=0)
        .execution_options(synchronize_session=False)
    ).rowcount
    if opened == 1:
        db.session.commit()
        return CodeCheck(CodeResult.OK)
    state = db.session.execute(
        db.select(PortalLink.code_locked, PortalLink.locked_until).where(PortalLink.id == link.id)
    ).one()
    db.session.rollback()
    if state.code_locked:
        return CodeCheck(CodeResult.LOCKED_FOR_GOOD)
    if state.locked_until is not None and state.locked_until > now:
        return CodeCheck(CodeResult.LOCKED, _seconds(state.locked_until - now))
    return CodeCheck(CodeResult.WRONG)  # the code was replaced meanwhile


def _seconds(delta: timedelta) -> int:
    return max(1, int(delta.total_seconds() + 0.999))


def record_entry(link: PortalLink, ip: str | None, user_agent: str | None) -> None:
    """Count a human entry into the portal (mail scanners fetching the link are not counted)."""
    db.session.execute(
        update(PortalLink)
        .where(PortalLink.id == link.id)
        .values(access_count=PortalLink.access_count + 1, last_accessed_at=_now())
    )
    actor = Actor(ACTOR_CLIENT, link.client_email, ip=ip, user_agent=(user_agent or "")[:400] or None)
    record(
        link.org_id,
        actor,
        "link.entered",
        f"{link.client_email} opened the portal",
        project_id=link.project_id,
        subject=link,
    )
    db.session.commit()


def links_for(org_id: int, *, project_id: int | None = None, client_id: int | None = None) -> list[PortalLink]:
    """A project's links, or a client's client-wide links, newest first."""
    query = db.select(PortalLink).where(PortalLink.org_id == org_id)
    if project_id is not None:
        query = query.where(PortalLink.project_id == project_id)
    else:
        query = query.where(PortalLink.client_id == client_id, PortalLink.project_id.is_(None))
    return list(db.session.execute(query.order_by(PortalLink.created_at.desc(), PortalLink.id.desc())).scalars())
