"""Email verification: a one-time 6-digit code mailed to a link's address, then the device is trusted."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import update

from portal.extensions import db
from portal.models import EmailVerification, PortalLink
from portal.outbox import outbox
from portal.outbox.kinds.links import VerificationCode
from portal.services import tokens
from portal.services.access_codes import CODE_PATTERN
from portal.services.activity import Actor, record

CODE_VALID_MINUTES = 10  # the one source of the figure: the code's expiry, the entry page and the email
CODE_VALID_FOR = timedelta(minutes=CODE_VALID_MINUTES)
MAX_TRIES = 5
MAX_CODES_PER_HOUR = 5


class VerifyResult:
    """Outcomes of a verification attempt."""

    OK = "ok"
    WRONG = "wrong"
    MALFORMED = "malformed"
    EXPIRED = "expired"
    LOCKED = "locked"  # five wrong tries: this code is dead, ask for a new one
    NONE = "none"  # no code was asked for


@dataclass(frozen=True)
class CodeRequest:
    """The answer to "email me a code"."""

    sent: bool
    outbox: list
    retry_after: int = 0


def _now() -> datetime:
    return datetime.now(UTC)


def _key() -> bytes:
    return current_app.config["LINK_SECRET"].encode()


def code_for(verification: EmailVerification) -> str:
    """The code of a verification, derived again from its nonce and the server secret (never stored)."""
    return tokens.email_code(verification.code_nonce)


def _hash(nonce: str, code: str) -> str:
    return hmac.new(_key(), f"email-code-hash:{nonce}:{code}".encode(), hashlib.sha256).hexdigest()


def request_code(link: PortalLink, ip: str | None, user_agent: str | None) -> CodeRequest:
    """Mail a new code to the link's address (at most five an hour); earlier unused codes stop working."""
    now = _now()
    recent = (
        db.session.execute(
            db.select(EmailVerification.created_at)
            .where(EmailVerification.link_id == link.id, EmailVerification.created_at > now - timedelta(hours=1))
            .order_by(EmailVerification.created_at)
        )
        .scalars()
        .all()
    )
    if len(recent) >= MAX_CODES_PER_HOUR:
        wait = int((recent[0] + timedelta(hours=1) - now).total_seconds()) + 1
        return CodeRequest(False, [], max(1, wait))
    db.session.execute(
        update(EmailVerification)
        .where(EmailVerification.link_id == link.id, EmailVerification.used_at.is_(None))
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    nonce = secrets.token_urlsafe(24)
    verification = EmailVerification(
        org_id=link.org_id,
        link_id=link.id,
        email=link.client_email,
        code_nonce=nonce,
        code_hash="",
        created_at=now,
        expires_at=now + CODE_VALID_FOR,
    )
    verification.code_hash = _hash(nonce, code_for(verification))
    db.session.add(verification)
    db.session.flush()
    actor = Actor.client(link.client_email, ip, user_agent)
    record(actor, "email.code_requested", f"Verification code emailed to {link.client_email}", subject=link)
    queued = outbox(VerificationCode.queue(verification))
    db.session.commit()
    return CodeRequest(True, queued)


def code_pending(link: PortalLink) -> bool:
    """Whether the link's latest code can still be typed: unused, unexpired, tries left."""
    latest = db.session.execute(
        db.select(EmailVerification.used_at, EmailVerification.attempts, EmailVerification.expires_at)
        .where(EmailVerification.link_id == link.id)
        .order_by(EmailVerification.id.desc())
        .limit(1)
    ).first()
    return latest is not None and latest.used_at is None and latest.attempts < MAX_TRIES and latest.expires_at > _now()


def check_code(link: PortalLink, code: str, ip: str | None, user_agent: str | None) -> str:
    """Check a typed code against the link's latest one: single use, CODE_VALID_MINUTES, five tries."""
    code = (code or "").strip()
    if not CODE_PATTERN.match(code):
        return VerifyResult.MALFORMED
    verification = db.session.execute(
        db.select(EmailVerification)
        .where(EmailVerification.link_id == link.id)
        .order_by(EmailVerification.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if verification is None or verification.used_at is not None:
        return VerifyResult.NONE
    if verification.attempts >= MAX_TRIES:
        return VerifyResult.LOCKED
    now = _now()
    if verification.expires_at <= now:
        return VerifyResult.EXPIRED
    actor = Actor.client(link.client_email, ip, user_agent)
    if hmac.compare_digest(verification.code_hash, _hash(verification.code_nonce, code)):
        # Conditional: of two tabs sending the right code at once, one uses it.
        used = db.session.execute(
            update(EmailVerification)
            .where(
                EmailVerification.id == verification.id,
                EmailVerification.used_at.is_(None),
                EmailVerification.attempts < MAX_TRIES,
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if used != 1:
            db.session.rollback()
            return VerifyResult.NONE
        record(actor, "email.verified", f"{link.client_email} verified their email", subject=link)
        db.session.commit()
        return VerifyResult.OK
    tries = db.session.execute(
        update(EmailVerification)
        .where(EmailVerification.id == verification.id)
        .values(attempts=EmailVerification.attempts + 1)
        .returning(EmailVerification.attempts)
    ).scalar_one()
    record(
        actor,
        "email.code_failed",
        f"Wrong verification code for {link.client_email} ({tries} of {MAX_TRIES})",
        subject=link,
        details={"tries": tries},
    )
    db.session.commit()
    return VerifyResult.LOCKED if tries >= MAX_TRIES else VerifyResult.WRONG
