"""What a portal session sees, each rule stated once: the visible projects, "sent to this client", "awaiting
review" and "unread", and the statements built on them (the sidebar's counts, the overview's lists).

Every statement is built once with bind parameters; visibility() gives their values for a session."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache

from flask import g
from sqlalchemy import bindparam

from portal.client.session import PortalSession
from portal.extensions import db
from portal.models import (
    Client,
    ClientSession,
    ClientSessionUnlock,
    Deliverable,
    Invoice,
    Message,
    MessageRead,
    PortalLink,
    Project,
    Proposal,
    StoredFile,
)
from portal.models.deliverable import PENDING, READY
from portal.models.file import current_shared_file
from portal.models.invoice import DRAFT as INVOICE_DRAFT
from portal.models.invoice import SENT as INVOICE_SENT
from portal.models.message import SENDER_OPERATOR
from portal.models.project import DRAFT
from portal.models.proposal import DRAFT as PROPOSAL_DRAFT
from portal.models.proposal import SENT as PROPOSAL_SENT
from portal.services.messages import client_visible_message


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
    the email was opened here -- with the email verified where a link requires it. A client-wide link covers its
    client's shared projects (never a draft nobody made a link for). A statement with bind parameters (see
    visibility()), built once."""
    return _covered_projects(uploads_only=False)


@cache
def upload_ids_statement():
    """The visible projects the client may upload to: covered by an unlocked link that allows uploads (not merely
    by the link this session came in through)."""
    return _covered_projects(uploads_only=True)


def uploads_allowed(project_id: int) -> bool:
    """Whether this session may send files to the project."""
    query = db.select(upload_ids_statement().where(Project.id == bindparam("pid")).exists())
    return bool(db.session.execute(query, {**visibility(g.portal), "pid": project_id}).scalar())


def _covered_projects(*, uploads_only: bool):
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
    if uploads_only:
        mine = db.and_(mine, links.c.allow_uploads.is_(True))
    direct = db.select(links.c.project_id).where(mine, links.c.project_id.is_not(None))
    client_wide = db.select(links.c.client_id).where(mine, links.c.project_id.is_(None))
    # A client-wide link covers what the operator has shared: no draft, unless a link was made for that project.
    shared = db.or_(Project.status != DRAFT, Project.client_portal_enabled.is_(True))
    return db.select(Project.id).where(
        Project.org_id == org_id,
        Project.archived_at.is_(None),
        db.or_(Project.id.in_(direct), db.and_(Project.client_id.in_(client_wide), shared)),
    )


_DRAFT = {Proposal: PROPOSAL_DRAFT, Invoice: INVOICE_DRAFT}


def sent_to_client(model):
    """SQL condition: a proposal or invoice (``model``) of the session's organization sent to its client -- a
    client record of the organization with the session's email -- and no longer a draft."""
    org_id, email = bindparam("v_org"), bindparam("v_email")
    clients = db.select(Client.id).where(Client.org_id == org_id, Client.email == email)
    sent = db.and_(model.org_id == org_id, model.client_id.in_(clients), model.status != _DRAFT[model])
    # Archived proposals leave the portal with the dashboard's lists; invoices are never archived.
    return db.and_(sent, model.archived_at.is_(None)) if hasattr(model, "archived_at") else sent


def awaiting_review():
    """SQL condition: a deliverable the client is asked to decide on now -- shown, ready, undecided, with at least
    one visible file (Deliverable.can_be_decided is its twin for a loaded row)."""
    return db.and_(
        shown_deliverable(),
        Deliverable.approval_status == PENDING,
        Deliverable.status == READY,
        has_visible_file(),
    )


def shown_deliverable():
    """SQL condition: a deliverable the operator shows the client (client-visible and not archived)."""
    return db.and_(Deliverable.client_visible.is_(True), Deliverable.archived_at.is_(None))


def has_visible_file():
    """SQL condition: the deliverable's current version has at least one client-visible file."""
    return db.select(StoredFile.id).where(current_shared_file(Deliverable.id)).exists()


def open_proposal():
    """SQL condition: a proposal sent to the client still waiting for an answer (with sent_to_client)."""
    return db.and_(
        Proposal.status == PROPOSAL_SENT,
        db.or_(Proposal.valid_until.is_(None), Proposal.valid_until >= bindparam("v_today")),
    )


def unpaid_invoice():
    """SQL condition: an invoice sent to the client and not yet paid (with sent_to_client)."""
    return Invoice.status == INVOICE_SENT


def unread_message(read_up_to):
    """SQL condition: an operator's message the client may read, after the client's read marker ``read_up_to``."""
    return db.and_(
        Message.sender_type == SENDER_OPERATOR,
        Message.id > db.func.coalesce(read_up_to, 0),
        client_visible_message(),
    )


@cache
def _badge_statement():
    """Every sidebar count in one statement, sharing one CTE of the visible projects."""
    email = bindparam("v_email")
    visible_cte = visible_ids_statement().cte("visible_projects")
    visible = db.select(visible_cte.c.id)
    count = db.func.count
    queries = {
        "projects": db.select(count()).select_from(visible_cte),
        "proposals": db.select(count(Proposal.id)).where(sent_to_client(Proposal)),
        "invoices": db.select(count(Invoice.id)).where(sent_to_client(Invoice)),
        "to_review": db.select(count(Deliverable.id)).where(Deliverable.project_id.in_(visible), awaiting_review()),
        "unread": db.select(count(Message.id))
        .select_from(Message)
        .outerjoin(
            MessageRead, db.and_(MessageRead.project_id == Message.project_id, MessageRead.reader_email == email)
        )
        .where(Message.project_id.in_(visible), unread_message(MessageRead.last_read_message_id)),
        "open_proposals": db.select(count(Proposal.id)).where(sent_to_client(Proposal), open_proposal()),
        "unpaid": db.select(count(Invoice.id)).where(sent_to_client(Invoice), unpaid_invoice()),
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
