"""Operator passwords: change one, or reset a forgotten one through an emailed single-use link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from portal.extensions import db
from portal.models import AccountToken, User
from portal.models.account_token import PURPOSE_RESET
from portal.models.client import normalize_email
from portal.outbox import commit_and_dispatch, too_many
from portal.outbox.kinds.account import PasswordReset
from portal.services import accounts, login_throttle, sessions
from portal.services.errors import ServiceError

RESET_VALID_FOR = timedelta(hours=1)


def request_reset(email: str) -> None:
    """Email a reset link when the address has an account; the caller's answer is the same either way."""
    user = accounts.find_user(email)
    if user is None or too_many(user.email, PasswordReset.name):
        return
    token = accounts.new_token(PURPOSE_RESET, user.email, RESET_VALID_FOR, user_id=user.id)
    commit_and_dispatch(PasswordReset.queue(token))


def _end_reset_links(user: User) -> None:
    # A reset link mailed before the password changed must not be able to change it again.
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.purpose == PURPOSE_RESET, AccountToken.email == user.email, AccountToken.used_at.is_(None))
        .values(used_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )


def reset(secret: str, password: str) -> User:
    """Set a new password from a reset link; it proves the address and ends every session of the account."""
    accounts.check_password_length(password)
    token = accounts.find_token(secret, PURPOSE_RESET)
    user = db.session.get(User, token.user_id) if token is not None and token.user_id else None
    if user is None or user.email != token.email or not accounts.use_token(token):
        db.session.rollback()
        raise ServiceError("This link was already used or has expired. Ask for a new one.", "password")
    user.set_password(password)
    user.email_verified_at = user.email_verified_at or datetime.now(UTC)
    _end_reset_links(user)
    sessions.end_all(user.id)
    login_throttle.clear(normalize_email(user.email))
    db.session.commit()
    return user


def change(user: User, current: str, new: str, keep_session: str | None) -> None:
    """Change the password of a signed-in operator; their other sessions end."""
    # Checked like a login (same per-account throttle), so a stolen session cannot guess the password here instead.
    checked = accounts.authenticate(user.email, current)
    if checked.retry_after:
        minutes = max(1, checked.retry_after // 60)
        raise ServiceError(f"Too many wrong passwords. Try again in {minutes} minutes.", "current_password")
    if checked.user is None or checked.user.id != user.id:
        raise ServiceError("That is not your current password.", "current_password")
    accounts.check_password_length(new, "new_password")
    user.set_password(new)
    _end_reset_links(user)
    sessions.end_all(user.id, keep=keep_session)
    db.session.commit()
