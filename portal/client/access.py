"""The client side's one loader: who this portal session is, re-checked against the database on every request."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import abort, current_app, g, session
from itsdangerous import BadSignature, URLSafeTimedSerializer

from portal.extensions import db
from portal.models import Client, Invoice, Organization, PortalLink, Project, Proposal
from portal.services.portal_links import active_link_condition

SESSION_KEY = "portal"
SESSION_MAX_AGE = 7 * 24 * 3600
DEVICE_MAX_AGE = 30 * 24 * 3600


@dataclass(frozen=True)
class PortalSession:
    """An open portal session: one organization, one client email, entered through one link."""

    org: Organization
    link: PortalLink
    email: str


def _sessions() -> dict:
    return session.get(SESSION_KEY) or {}


def start_session(link: PortalLink) -> None:
    """Open (or replace) this device's session for the link's organization with a fresh id."""
    sessions = dict(_sessions())
    sessions[str(link.org_id)] = {
        "l": link.id,
        "e": link.client_email,
        "v": link.access_code_version,
        "s": secrets.token_urlsafe(16),
        "t": int(time.time()),
    }
    session[SESSION_KEY] = sessions
    session.permanent = True


def end_session(org_id: int) -> None:
    """Forget this device's session for one organization."""
    sessions = dict(_sessions())
    if sessions.pop(str(org_id), None) is not None:
        session[SESSION_KEY] = sessions


def load_session(slug: str) -> PortalSession:
    """The session for the organization in the URL, or the generic 404 (also ending a dead session)."""
    org = db.session.execute(db.select(Organization).where(Organization.slug == slug)).scalar_one_or_none()
    if org is None:
        abort(404)
    entry = _sessions().get(str(org.id))
    if not entry:
        abort(404)
    link = db.session.get(PortalLink, entry.get("l"))
    now = datetime.now(UTC)
    alive = (
        link is not None
        and link.org_id == org.id
        and link.client_email == entry.get("e")
        and link.is_active(now)
        and link.access_code_version == entry.get("v")
        and time.time() - entry.get("t", 0) < SESSION_MAX_AGE
    )
    if not alive:
        end_session(org.id)
        abort(404)
    g.portal = PortalSession(org, link, link.client_email)
    return g.portal


def other_sessions(current_org_id: int) -> list:
    """Other organizations this device holds a live portal session for (for the switcher)."""
    entries = {int(org_id): entry for org_id, entry in _sessions().items() if int(org_id) != current_org_id}
    if not entries:
        return []
    now = datetime.now(UTC)
    rows = db.session.execute(
        db.select(
            Organization.id,
            Organization.name,
            Organization.slug,
            PortalLink.id.label("link_id"),
            PortalLink.access_code_version,
        )
        .join(PortalLink, PortalLink.org_id == Organization.id)
        .where(PortalLink.id.in_([entry.get("l") for entry in entries.values()]), active_link_condition(now))
        .order_by(Organization.name)
    ).all()
    return [
        row
        for row in rows
        if entries.get(row.id, {}).get("l") == row.link_id and entries[row.id].get("v") == row.access_code_version
    ]


def visible_projects_query(org_id: int, email: str):
    """Projects this email may see: an active link to the project, or an active client-wide link."""
    now = datetime.now(UTC)
    direct = db.select(PortalLink.project_id).where(
        PortalLink.org_id == org_id,
        PortalLink.client_email == email,
        PortalLink.project_id.is_not(None),
        active_link_condition(now),
    )
    client_wide = db.select(PortalLink.client_id).where(
        PortalLink.org_id == org_id,
        PortalLink.client_email == email,
        PortalLink.project_id.is_(None),
        active_link_condition(now),
    )
    return db.select(Project).where(
        Project.org_id == org_id, db.or_(Project.id.in_(direct), Project.client_id.in_(client_wide))
    )


def client_ids_query(org_id: int, email: str):
    """The organization's client records with this email (at most one)."""
    return db.select(Client.id).where(Client.org_id == org_id, Client.email == email)


def badge_counts(portal: PortalSession) -> dict:
    """Counts for the sidebar, in one query, cached for the request."""
    if "portal_counts" in g:
        return g.portal_counts
    org_id, email = portal.org.id, portal.email
    projects = visible_projects_query(org_id, email).with_only_columns(db.func.count(Project.id))
    clients = client_ids_query(org_id, email)
    proposals = db.select(db.func.count(Proposal.id)).where(
        Proposal.org_id == org_id, Proposal.client_id.in_(clients), Proposal.status != "draft"
    )
    invoices = db.select(db.func.count(Invoice.id)).where(
        Invoice.org_id == org_id, Invoice.client_id.in_(clients), Invoice.status != "draft"
    )
    row = db.session.execute(
        db.select(
            projects.scalar_subquery().label("projects"),
            proposals.scalar_subquery().label("proposals"),
            invoices.scalar_subquery().label("invoices"),
        )
    ).one()
    g.portal_counts = {"projects": row.projects, "proposals": row.proposals, "invoices": row.invoices}
    return g.portal_counts


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="portal-device-code")


def device_cookie_name(link: PortalLink) -> str:
    """The cookie that remembers a verified access code for one link on this device."""
    return f"portal_code_{link.id}"


def device_cookie_value(link: PortalLink) -> str:
    """A signed value bound to the organization, the link and its code version."""
    return _device_serializer().dumps({"o": link.org_id, "l": link.id, "v": link.access_code_version})


def device_remembers_code(link: PortalLink, value: str | None) -> bool:
    """Whether this device verified the link's current code in the last 30 days."""
    if not value or not link.access_code_hash:
        return False
    try:
        data = _device_serializer().loads(value, max_age=DEVICE_MAX_AGE)
    except BadSignature:
        return False
    return data == {"o": link.org_id, "l": link.id, "v": link.access_code_version}
