"""Access codes of portal links: checking an attempt, counting wrong ones, and the lock-outs they lead to."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, update
from werkzeug.security import check_password_hash

from portal.extensions import db
from portal.models import PortalLink
from portal.models.activity import ACTOR_SYSTEM
from portal.outbox import commit_and_dispatch
from portal.outbox.kinds.links import LinkLocked
from portal.services.activity import Actor, record
from portal.services.errors import ServiceError

CODE_PATTERN = re.compile(r"^[0-9]{6}$")  # ASCII digits only: \d would accept "１２３４５６"
LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)
LOCK_FOR_GOOD_AFTER = 20


def _now() -> datetime:
    return datetime.now(UTC)


def new_code(typed: str | None) -> str:
    """A 6-digit access code: the one typed by the operator (checked), or a random one."""
    if typed:
        typed = typed.strip()
        if not CODE_PATTERN.match(typed):
            raise ServiceError("The access code is exactly 6 digits.", "access_code")
        return typed
    return f"{secrets.randbelow(1_000_000):06d}"


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
    actor = Actor.client(link.client_email, ip, user_agent)
    record(
        actor,
        "link.code_failed",
        f"Wrong access code for {link.client_email} ({failures} in a row)",
        subject=link,
        details={"failures": failures},
    )
    system = Actor(ACTOR_SYSTEM, "Portal")
    alerts = []
    if counted.code_locked:
        if failures == LOCK_FOR_GOOD_AFTER:
            record(
                system,
                "link.locked",
                f"Access code of {link.client_email} locked after {failures} wrong tries; set a new code to unlock",
                subject=link,
                details={"failures": failures, "for_good": True},
            )
            alerts = LinkLocked.queue(link, failures, for_good=True)
        result = CodeCheck(CodeResult.LOCKED_FOR_GOOD)
    elif failures % LOCK_AFTER == 0:
        record(
            system,
            "link.locked",
            f"Access code of {link.client_email} locked for 15 minutes after {failures} wrong tries",
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
