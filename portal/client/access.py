"""The client side's one loader: who this portal session is, re-checked against the database on every request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache

from flask import abort, g, session
from sqlalchemy import bindparam

from portal.client.devices import remembered_codes
from portal.extensions import db
from portal.models import (
    Client,
    ClientSession,
    ClientSessionUnlock,
    Deliverable,
    Invoice,
    Message,
    MessageRead,
    Organization,
    PortalLink,
    Project,
    Proposal,
    StoredFile,
)
from portal.services import client_sessions
from portal.services.messages import client_visible_message

SESSION_KEY = "portal"
SESSION_MAX_AGE = 7 * 24 * 3600


@dataclass(frozen=True)
class PortalSession:
    """An open portal session: one organization, one client email, entered through one link."""

    org: Organization
    link: PortalLink
    email: str
    session_id: int = 0


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
        forget_session(org_id)
        abort(404)
    g.portal = PortalSession(row.Organization, row.PortalLink, row.PortalLink.client_email, row.ClientSession.id)
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


def client_ids_query(org_id: int, email: str):
    """The organization's client records with this email (at most one)."""
    return db.select(Client.id).where(Client.org_id == org_id, Client.email == email)


def visibility(portal: PortalSession) -> dict:
    """The bind parameters of the statements built once below."""
    return {
        "v_org": portal.org.id,
        "v_email": portal.email,
        "v_session": portal.session_id,
        "v_now": datetime.now(UTC),
        "v_today": date.today(),
    }


@cache
def visible_ids_statement():
    """The one rule of what a session sees: the projects covered by active links of its email unlocked on this
    device -- a coded link once its current code was entered here, a code-less one once any code-less link of
    the email was opened here -- with the email verified where a link requires it. A client-wide link covers all
    of its client's projects. A statement with bind parameters (see visibility()), built once."""
    org_id, email, now, session_id = (
        bindparam("v_org"),
        bindparam("v_email"),
        bindparam("v_now"),
        bindparam("v_session"),
    )
    # Aliases, so the rule nests inside statements that read the session's own link and row without being correlated.
    links = PortalLink.__table__.alias("visible_link")
    opened = PortalLink.__table__.alias("opened_link")
    unlocks = ClientSessionUnlock.__table__.alias("visible_unlock")
    opened_unlocks = ClientSessionUnlock.__table__.alias("opened_unlock")
    sessions = ClientSession.__table__.alias("visible_session")

    def active(table):
        return db.and_(table.c.revoked_at.is_(None), db.or_(table.c.expires_at.is_(None), table.c.expires_at > now))

    unlocked_here = (
        db.select(unlocks.c.link_id)
        .where(
            unlocks.c.session_id == session_id,
            unlocks.c.link_id == links.c.id,
            unlocks.c.code_version == links.c.access_code_version,
        )
        .exists()
    )
    code_less_opened = (
        db.select(opened.c.id)
        .join(opened_unlocks, opened_unlocks.c.link_id == opened.c.id)
        .where(
            opened_unlocks.c.session_id == session_id,
            opened_unlocks.c.code_version == opened.c.access_code_version,
            opened.c.access_code_hash.is_(None),
            opened.c.org_id == org_id,
            opened.c.client_email == email,
            active(opened),
        )
        .exists()
    )
    email_verified = db.select(sessions.c.id).where(sessions.c.id == session_id, sessions.c.email_verified).exists()
    mine = db.and_(
        links.c.org_id == org_id,
        links.c.client_email == email,
        active(links),
        db.or_(links.c.require_email_verification.is_(False), email_verified),
        db.or_(unlocked_here, db.and_(links.c.access_code_hash.is_(None), code_less_opened)),
    )
    direct = db.select(links.c.project_id).where(mine, links.c.project_id.is_not(None))
    client_wide = db.select(links.c.client_id).where(mine, links.c.project_id.is_(None))
    return db.select(Project.id).where(
        Project.org_id == org_id,
        Project.archived_at.is_(None),
        db.or_(Project.id.in_(direct), Project.client_id.in_(client_wide)),
    )


@cache
def _badge_statement():
    """Every sidebar count in one statement, sharing one CTE of the visible projects."""
    org_id, email, today = bindparam("v_org"), bindparam("v_email"), bindparam("v_today")
    visible_cte = visible_ids_statement().cte("visible_projects")
    visible = db.select(visible_cte.c.id)
    clients = db.select(Client.id).where(Client.org_id == org_id, Client.email == email)
    count = db.func.count
    queries = {
        "projects": db.select(count()).select_from(visible_cte),
        "proposals": db.select(count(Proposal.id)).where(
            Proposal.org_id == org_id,
            Proposal.client_id.in_(clients),
            Proposal.status != "draft",
            Proposal.archived_at.is_(None),
        ),
        "invoices": db.select(count(Invoice.id)).where(
            Invoice.org_id == org_id, Invoice.client_id.in_(clients), Invoice.status != "draft"
        ),
        "to_review": db.select(count(Deliverable.id)).where(
            Deliverable.project_id.in_(visible),
            Deliverable.client_visible.is_(True),
            Deliverable.archived_at.is_(None),
            Deliverable.approval_status == "pending",
            Deliverable.status == "ready",
        ),
        "unread": db.select(count(Message.id))
        .select_from(Message)
        .outerjoin(
            MessageRead, db.and_(MessageRead.project_id == Message.project_id, MessageRead.reader_email == email)
        )
        .where(
            Message.project_id.in_(visible),
            Message.sender_type == "operator",
            Message.id > db.func.coalesce(MessageRead.last_read_message_id, 0),
            client_visible_message(),
        ),
        "open_proposals": db.select(count(Proposal.id)).where(
            Proposal.org_id == org_id,
            Proposal.client_id.in_(clients),
            Proposal.status == "sent",
            Proposal.archived_at.is_(None),
            db.or_(Proposal.valid_until.is_(None), Proposal.valid_until >= today),
        ),
        "unpaid": db.select(count(Invoice.id)).where(
            Invoice.org_id == org_id, Invoice.client_id.in_(clients), Invoice.status == "sent"
        ),
    }
    return db.select(*(q.scalar_subquery().label(name) for name, q in queries.items()))


def badge_counts(portal: PortalSession) -> dict:
    """Totals (which sections to show) and what needs the client (the badges), in one query per request."""
    if "portal_counts" in g:
        return g.portal_counts
    row = db.session.execute(_badge_statement(), visibility(portal)).one()
    counts = dict(row._mapping)
    counts["badge_projects"] = counts["to_review"] + counts["unread"]
    counts["badge_proposals"] = counts["open_proposals"]
    counts["badge_invoices"] = counts["unpaid"]
    g.portal_counts = counts
    return counts


def _first_or_404(query, params: dict | None = None):
    obj = db.session.execute(query, params or {}).scalar_one_or_none()
    if obj is None:
        abort(404)
    return obj


@cache
def _project_statement():
    return db.select(Project).where(Project.id == bindparam("pid"), Project.id.in_(visible_ids_statement()))


def load_project(project_id: int) -> Project:
    """A project the session may see, else 404."""
    return _first_or_404(_project_statement(), {**visibility(g.portal), "pid": project_id})


@cache
def _deliverable_statement():
    return db.select(Deliverable).where(
        Deliverable.id == bindparam("object_id"),
        Deliverable.client_visible.is_(True),
        Deliverable.archived_at.is_(None),
        Deliverable.project_id.in_(visible_ids_statement()),
    )


@cache
def _file_statement():
    return db.select(StoredFile).where(
        StoredFile.id == bindparam("object_id"),
        StoredFile.client_visible.is_(True),
        StoredFile.project_id.in_(visible_ids_statement()),
    )


def load_deliverable(deliverable_id: int) -> Deliverable:
    """A client-visible deliverable of a visible project, else 404."""
    return _first_or_404(_deliverable_statement(), {**visibility(g.portal), "object_id": deliverable_id})


def load_file(file_id: int) -> StoredFile:
    """A client-visible file of a visible project, else 404."""
    return _first_or_404(_file_statement(), {**visibility(g.portal), "object_id": file_id})


def load_proposal(proposal_id: int) -> Proposal:
    """A proposal sent to this client, else 404."""
    return _first_or_404(
        db.select(Proposal).where(
            Proposal.id == proposal_id,
            Proposal.org_id == g.portal.org.id,
            Proposal.client_id.in_(client_ids_query(g.portal.org.id, g.portal.email)),
            Proposal.status != "draft",
            Proposal.archived_at.is_(None),
        )
    )


def load_invoice(invoice_id: int) -> Invoice:
    """An invoice sent to this client, else 404."""
    return _first_or_404(
        db.select(Invoice).where(
            Invoice.id == invoice_id,
            Invoice.org_id == g.portal.org.id,
            Invoice.client_id.in_(client_ids_query(g.portal.org.id, g.portal.email)),
            Invoice.status != "draft",
        )
    )
