"""Text search over the organization's records: escaped, case-insensitive, always scoped to one organization."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_

from portal.extensions import db
from portal.models import Client, Invoice, Project, Proposal

LIKE_ESCAPE = "\\"


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with the wildcards a person typed taken literally."""
    escaped = text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")
    return f"%{escaped}%"


def matches(text: str, *columns) -> ColumnElement[bool]:
    """A case-insensitive "contains" on any of ``columns`` (ILIKE on PostgreSQL, lower() LIKE on SQLite)."""
    pattern = like_pattern(text)
    return or_(*(column.ilike(pattern, escape=LIKE_ESCAPE) for column in columns))


def _section(query, limit: int) -> tuple[list, int]:
    total = db.session.execute(db.select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    return (db.session.execute(query.limit(limit)).all() if total else []), total


def search_everything(org_id: int, text: str, limit: int = 10) -> dict[str, tuple[list, int]]:
    """The organization's projects, clients, proposals and invoices matching ``text``: (first rows, total) each."""
    return {
        "projects": _section(
            db.select(Project.id, Project.name, Project.status, Client.name.label("client_name"))
            .join(Client, Client.id == Project.client_id)
            .where(Project.org_id == org_id, matches(text, Project.name, Project.location, Client.name))
            .order_by(Project.updated_at.desc(), Project.id.desc()),
            limit,
        ),
        "clients": _section(
            db.select(Client.id, Client.name, Client.email, Client.company)
            .where(Client.org_id == org_id, matches(text, Client.name, Client.email, Client.company))
            .order_by(Client.name, Client.id),
            limit,
        ),
        "proposals": _section(
            db.select(Proposal.id, Proposal.number, Proposal.title, Proposal.status, Client.name.label("client_name"))
            .join(Client, Client.id == Proposal.client_id)
            .where(Proposal.org_id == org_id, matches(text, Proposal.number, Proposal.title, Client.name))
            .order_by(Proposal.id.desc()),
            limit,
        ),
        "invoices": _section(
            db.select(Invoice.id, Invoice.number, Invoice.status, Client.name.label("client_name"))
            .join(Client, Client.id == Invoice.client_id)
            .where(Invoice.org_id == org_id, matches(text, Invoice.number, Client.name))
            .order_by(Invoice.id.desc()),
            limit,
        ),
    }
