"""Server-side operator sessions: the cookie carries a random id, a database row makes it valid."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from flask import current_app, session
from sqlalchemy import delete

from portal.extensions import db
from portal.models import OperatorSession, User

SESSION_KEY = "_operator_session"


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start(user_id: int, ip: str | None = None, user_agent: str | None = None) -> str:
    """Record a new session for the user and return its id (for the cookie); the caller commits."""
    oldest = datetime.now(UTC) - current_app.config["PERMANENT_SESSION_LIFETIME"]
    db.session.execute(
        delete(OperatorSession)
        .where(OperatorSession.user_id == user_id, OperatorSession.created_at <= oldest)
        .execution_options(synchronize_session=False)
    )
    session_id = secrets.token_urlsafe(32)
    db.session.add(
        OperatorSession(
            user_id=user_id, token_hash=_digest(session_id), ip=ip, user_agent=(user_agent or "")[:400] or None
        )
    )
    return session_id


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the user, only while the cookie's session row exists (one query)."""
    session_id = session.get(SESSION_KEY)
    if not session_id or not str(user_id).isdigit():
        return None
    oldest = datetime.now(UTC) - current_app.config["PERMANENT_SESSION_LIFETIME"]
    return db.session.execute(
        db.select(User)
        .join(OperatorSession, OperatorSession.user_id == User.id)
        .where(
            User.id == int(user_id),
            OperatorSession.token_hash == _digest(session_id),
            OperatorSession.created_at > oldest,
        )
    ).scalar_one_or_none()


def end_current() -> None:
    """End the session of this request's cookie (logout)."""
    session_id = session.get(SESSION_KEY)
    if session_id:
        db.session.execute(delete(OperatorSession).where(OperatorSession.token_hash == _digest(session_id)))
        db.session.commit()


def end_all(user_id: int, keep: str | None = None) -> None:
    """End every session of the user, except the one with id ``keep``; the caller commits."""
    condition = OperatorSession.user_id == user_id
    if keep:
        condition = condition & (OperatorSession.token_hash != _digest(keep))
    db.session.execute(delete(OperatorSession).where(condition).execution_options(synchronize_session=False))
