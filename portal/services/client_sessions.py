"""Client sessions on the server: opened by a human entry, ended by leaving, revocation or a new access code."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, update

from portal.extensions import db
from portal.models import ClientSession, ClientSessionUnlock, PortalLink
from portal.models.portal_link import active_link_condition


@dataclass(frozen=True)
class OpenedSession:
    """A session just opened: the cookie keeps its id and secret, the database only the secret's hash."""

    id: int
    secret: str


def hash_secret(secret: str) -> str:
    """What the database keeps of a session's secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def open_session(
    link: PortalLink,
    *,
    email_verified: bool,
    previous: tuple[int, str] | None = None,
    remembered: dict[int, int] | None = None,
) -> OpenedSession:
    """Open a fresh session through ``link``, keeping what the device's previous session there had unlocked.

    ``previous`` is the (id, secret) of this device's session in the organization, ended here (its code-less
    unlocks carry over); ``remembered`` maps links of the organization to the code version this device entered
    for them in the last 30 days (from the signed device cookies).
    """
    now = _now()
    unlocked = {link.id: link.access_code_version}
    if previous is not None:
        old = db.session.get(ClientSession, previous[0])
        if old is not None and old.secret_hash == hash_secret(previous[1]) and old.org_id == link.org_id:
            if old.ended_at is None and old.email == link.client_email:
                # Code-less links only: a code is remembered by its own 30-day device cookie, never carried along.
                rows = db.session.execute(
                    db.select(ClientSessionUnlock.link_id, ClientSessionUnlock.code_version)
                    .join(PortalLink, PortalLink.id == ClientSessionUnlock.link_id)
                    .where(ClientSessionUnlock.session_id == old.id, PortalLink.access_code_hash.is_(None))
                ).all()
                for row in rows:
                    unlocked.setdefault(row.link_id, row.code_version)
            old.ended_at = old.ended_at or now
    if remembered:
        # Only a coded link of the same organization and email, still active, at the code version remembered.
        rows = db.session.execute(
            db.select(PortalLink.id, PortalLink.access_code_version).where(
                PortalLink.id.in_(list(remembered)),
                PortalLink.org_id == link.org_id,
                PortalLink.client_email == link.client_email,
                PortalLink.access_code_hash.is_not(None),
                active_link_condition(now),
            )
        ).all()
        for row in rows:
            if remembered[row.id] == row.access_code_version:
                unlocked[row.id] = row.access_code_version
    secret = secrets.token_urlsafe(32)
    opened = ClientSession(
        org_id=link.org_id,
        link_id=link.id,
        email=link.client_email,
        secret_hash=hash_secret(secret),
        code_version=link.access_code_version,
        email_verified=email_verified,
        created_at=now,
    )
    db.session.add(opened)
    db.session.flush()
    db.session.execute(
        insert(ClientSessionUnlock),
        [{"session_id": opened.id, "link_id": link_id, "code_version": v} for link_id, v in unlocked.items()],
    )
    db.session.commit()
    return OpenedSession(opened.id, secret)


def end_session(session_id: int, secret: str) -> None:
    """End one session (the device left the portal): its cookie, even copied, no longer opens anything."""
    db.session.execute(
        update(ClientSession)
        .where(
            ClientSession.id == session_id,
            ClientSession.secret_hash == hash_secret(secret),
            ClientSession.ended_at.is_(None),
        )
        .values(ended_at=_now())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
