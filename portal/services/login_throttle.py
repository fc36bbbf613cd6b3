"""The per-account login throttle, kept in the database so every web process counts the same failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import LoginThrottle

MAX_FAILURES = 10
LOCK_FOR = timedelta(minutes=15)
# Failures older than this no longer count towards a lock.
WINDOW = timedelta(hours=1)


def _now() -> datetime:
    return datetime.now(UTC)


def retry_after(email: str) -> int:
    """Seconds until this address may try again (0: it may try now)."""
    locked_until = db.session.execute(
        db.select(LoginThrottle.locked_until).where(LoginThrottle.email == email)
    ).scalar_one_or_none()
    now = _now()
    if locked_until is None or locked_until <= now:
        return 0
    return int((locked_until - now).total_seconds()) + 1


def _unlocked(now: datetime):
    return db.or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now)


def reserve(email: str) -> int:
    """Count a try before its password is checked; seconds to wait instead when the address may not try now.

    Counting first, in one conditional update, means tries arriving at once cannot all pass the check before
    the lock lands: at most ``MAX_FAILURES`` are ever checked per lock period.
    """
    for _attempt in range(5):
        now = _now()
        db.session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.email == email, LoginThrottle.updated_at < now - WINDOW, _unlocked(now))
            .values(failures=0)
            .execution_options(synchronize_session=False)
        )
        counted = db.session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.email == email, LoginThrottle.failures < MAX_FAILURES, _unlocked(now))
            .values(failures=LoginThrottle.failures + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if counted.rowcount == 1:
            return 0
        failures = db.session.execute(
            db.select(LoginThrottle.failures).where(LoginThrottle.email == email)
        ).scalar_one_or_none()
        if failures is None:
            db.session.add(LoginThrottle(email=email, failures=1, updated_at=now))
            try:
                db.session.commit()
                return 0
            except IntegrityError:  # another process counted the first try at the same moment: count again
                db.session.rollback()
                continue
        wait = retry_after(email)
        if wait:
            return wait
        if failures >= MAX_FAILURES:
            # The last allowed tries are still being checked: their failure locks the address.
            return int(LOCK_FOR.total_seconds())
        # The row changed between the two statements (a first try inserted, a right password cleared it): again.
    return int(LOCK_FOR.total_seconds())


def record_failure(email: str) -> bool:
    """The try counted by reserve() was wrong; True for the one failure that locks the address (tell its owner)."""
    now = _now()
    # Only one failure can move the row from "counting" to "locked", so the owner is told once per lock.
    locked = db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.email == email, LoginThrottle.failures >= MAX_FAILURES, _unlocked(now))
        .values(failures=0, locked_until=now + LOCK_FOR)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return locked.rowcount == 1


def clear(email: str) -> None:
    """Forget the address's failures and lock (a right password, or a reset that proved the address)."""
    db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.email == email, db.or_(LoginThrottle.failures > 0, LoginThrottle.locked_until.isnot(None)))
        .values(failures=0, locked_until=None)
        .execution_options(synchronize_session=False)
    )
