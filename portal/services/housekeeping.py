"""Housekeeping the sweeper runs: delete the rows that can never be used again, so the tables stay small."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import delete

from portal.extensions import db
from portal.models import ClientSession, LoginThrottle, OperatorSession
from portal.models.client_session import MAX_AGE_SECONDS
from portal.services.login_throttle import WINDOW

BATCH = 1000


def _delete_batch(model, condition) -> int:
    ids = db.select(model.id).where(condition).limit(BATCH).scalar_subquery()
    return db.session.execute(
        delete(model).where(model.id.in_(ids)).execution_options(synchronize_session=False)
    ).rowcount


def prune_expired(now: datetime | None = None) -> dict:
    """Delete expired client and operator sessions and stale login-throttle rows, a batch of each per run."""
    now = now or datetime.now(UTC)
    # An ended session is kept as long as an unended one could live, then it is of no use to anyone.
    client_sessions = _delete_batch(ClientSession, ClientSession.created_at < now - timedelta(seconds=MAX_AGE_SECONDS))
    operator_sessions = _delete_batch(
        OperatorSession, OperatorSession.created_at < now - current_app.config["PERMANENT_SESSION_LIFETIME"]
    )
    throttles = db.session.execute(
        delete(LoginThrottle)
        .where(
            LoginThrottle.updated_at < now - WINDOW,
            db.or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return {"client_sessions": client_sessions, "operator_sessions": operator_sessions, "login_throttles": throttles}
