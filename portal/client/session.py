"""Who this portal session is: the cookie's session entries, opening and ending them, and loading the session
(re-checked against its server-side row and link on every request)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from flask import abort, g, make_response, render_template, request, session
from sqlalchemy import bindparam

from portal.client.devices import remembered_codes
from portal.extensions import db
from portal.models import ClientSession, Organization, PortalLink
from portal.models.client_session import MAX_AGE_SECONDS
from portal.services import client_sessions
from portal.services.activity import Actor

SESSION_KEY = "portal"
SESSION_MAX_AGE = MAX_AGE_SECONDS


@dataclass(frozen=True)
class PortalSession:
    """An open portal session: one organization, one client email, entered through one link."""

    org: Organization
    link: PortalLink
    email: str
    session_id: int = 0
    # The link's name for its person as the request began (reading the link after a commit would query again).
    name: str | None = None


def _sessions() -> dict:
    return session.get(SESSION_KEY) or {}


def start_session(link: PortalLink, *, email_verified: bool) -> None:
    """Open a fresh server-side session for the link's organization, keeping what this device had unlocked there."""
    sessions = dict(_sessions())
    previous = sessions.get(str(link.org_id)) or {}
    opened = client_sessions.open_session(
        link,
        email_verified=email_verified,
        previous=(previous["i"], previous["k"]) if "i" in previous and "k" in previous else None,
        remembered=remembered_codes(link.org_id),
    )
    sessions[str(link.org_id)] = {
        "i": opened.id,
        "k": opened.secret,
        "e": link.client_email,
        "g": org_slug(link.org_id),
    }
    session[SESSION_KEY] = sessions
    session.permanent = True


def forget_session(org_id: int) -> None:
    """Forget this device's session for one organization (the cookie side only)."""
    sessions = dict(_sessions())
    if sessions.pop(str(org_id), None) is not None:
        session[SESSION_KEY] = sessions


def leave_session(org_id: int) -> None:
    """End this device's session for one organization on the server too: a copy of the cookie stops working."""
    entry = _sessions().get(str(org_id)) or {}
    if "i" in entry and "k" in entry:
        client_sessions.end_session(entry["i"], entry["k"])
    forget_session(org_id)


def org_slug(org_id: int) -> str:
    """The slug of an organization (it never changes)."""
    return db.session.execute(db.select(Organization.slug).where(Organization.id == org_id)).scalar_one()


def session_entry(slug: str) -> tuple[int, dict] | None:
    """This device's session entry for the organization with this slug, if any."""
    return next(((int(org_id), entry) for org_id, entry in _sessions().items() if entry.get("g") == slug), None)


def secret_hash(entry: dict) -> str:
    """The hash the session's row must carry for this cookie entry (a bind parameter of the session checks)."""
    return client_sessions.hash_secret(str(entry.get("k", "")))


def entry_is_alive(entry: dict, *, session, client_email: str, revoked_at, expires_at, code_version: int) -> bool:
    """The rule every portal request applies: the session not ended nor too old, its link active and unchanged."""
    now = datetime.now(UTC)
    return (
        session.ended_at is None
        and (now - session.created_at).total_seconds() < SESSION_MAX_AGE
        and client_email == session.email == entry.get("e")
        and revoked_at is None
        and (expires_at is None or now < expires_at)
        and code_version == session.code_version
    )


def code_was_replaced(*, session, revoked_at, expires_at, code_version: int) -> bool:
    """Whether the session ended because the operator gave its link a new access code: the link itself still works."""
    now = datetime.now(UTC)
    return revoked_at is None and (expires_at is None or now < expires_at) and code_version != session.code_version


def code_replaced_page(org: Organization):
    """The answer to a session whose link got a new code: ask for it, the link still works (htmx reloads to it)."""
    response = make_response(render_template("client/code_replaced.html", org=org), 403)
    if request.headers.get("HX-Request") == "true":
        response.headers["HX-Refresh"] = "true"
    return response


@cache
def _session_statement():
    return (
        db.select(Organization, PortalLink, ClientSession)
        .select_from(ClientSession)
        .join(Organization, Organization.id == ClientSession.org_id)
        .join(PortalLink, PortalLink.id == ClientSession.link_id)
        .where(
            ClientSession.id == bindparam("session_id"),
            ClientSession.secret_hash == bindparam("secret_hash"),
            Organization.id == bindparam("org_id"),
            Organization.slug == bindparam("slug"),
        )
    )


def load_session(slug: str) -> PortalSession:
    """The session for the organization in the URL, checked with its server-side row in one query, or the 404."""
    found = session_entry(slug)
    if found is None:
        abort(404)
    org_id, entry = found
    row = db.session.execute(
        _session_statement(),
        {"session_id": entry.get("i"), "secret_hash": secret_hash(entry), "org_id": org_id, "slug": slug},
    ).one_or_none()
    alive = row is not None and entry_is_alive(
        entry,
        session=row.ClientSession,
        client_email=row.PortalLink.client_email,
        revoked_at=row.PortalLink.revoked_at,
        expires_at=row.PortalLink.expires_at,
        code_version=row.PortalLink.access_code_version,
    )
    if not alive:
        if row is not None and code_was_replaced(
            session=row.ClientSession,
            revoked_at=row.PortalLink.revoked_at,
            expires_at=row.PortalLink.expires_at,
            code_version=row.PortalLink.access_code_version,
        ):
            abort(code_replaced_page(row.Organization))
        forget_session(org_id)
        abort(404)
    link = row.PortalLink
    g.portal = PortalSession(row.Organization, link, link.client_email, row.ClientSession.id, link.client_name)
    return g.portal


def other_sessions(current_org_id: int) -> list:
    """Other organizations this device holds a live portal session for (for the switcher)."""
    entries = {int(org_id): entry for org_id, entry in _sessions().items() if int(org_id) != current_org_id}
    if not entries:
        return []
    rows = db.session.execute(
        db.select(
            Organization.id,
            Organization.name,
            Organization.slug,
            ClientSession,
            PortalLink.client_email,
            PortalLink.revoked_at,
            PortalLink.expires_at,
            PortalLink.access_code_version,
        )
        .select_from(ClientSession)
        .join(Organization, Organization.id == ClientSession.org_id)
        .join(PortalLink, PortalLink.id == ClientSession.link_id)
        .where(ClientSession.id.in_([entry.get("i") for entry in entries.values()]))
        .order_by(Organization.name)
    ).all()
    return [
        row
        for row in rows
        if row.ClientSession.secret_hash == secret_hash(entries.get(row.id, {}))
        and entry_is_alive(
            entries[row.id],
            session=row.ClientSession,
            client_email=row.client_email,
            revoked_at=row.revoked_at,
            expires_at=row.expires_at,
            code_version=row.access_code_version,
        )
    ]


def client_actor() -> Actor:
    """The client of this portal session, from this request, as an Activity actor."""
    return Actor.client(g.portal.email, request.remote_addr, request.user_agent.string)
