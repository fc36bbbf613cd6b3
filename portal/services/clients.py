"""Clients of an organization."""

from __future__ import annotations

from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Client
from portal.models.client import normalize_email
from portal.services.activity import Actor, record
from portal.services.errors import ServiceError

DUPLICATE = "A client with this email already exists."


def _email_taken(org_id: int, email: str, except_id: int | None = None) -> bool:
    query = db.select(Client.id).where(Client.org_id == org_id, Client.email == email)
    if except_id is not None:
        query = query.where(Client.id != except_id)
    return db.session.execute(query).first() is not None


def create_client(
    org_id: int, actor: Actor, *, email: str, name: str, company: str | None = None, phone: str | None = None
) -> Client:
    """Add a client; the email is normalized and unique within the organization."""
    email = normalize_email(email)
    if _email_taken(org_id, email):
        raise ServiceError(DUPLICATE, "email")
    client = Client(
        org_id=org_id,
        email=email,
        name=name.strip(),
        company=(company or "").strip() or None,
        phone=(phone or "").strip() or None,
    )
    db.session.add(client)
    try:
        db.session.flush()
        record(actor, "client.created", f"{actor.label} added client {client.name}", subject=client)
        db.session.commit()
    except IntegrityError as exc:  # a concurrent create won the race
        db.session.rollback()
        raise ServiceError(DUPLICATE, "email") from exc
    return client


def update_client(
    client: Client, actor: Actor, *, email: str, name: str, company: str | None = None, phone: str | None = None
) -> Client:
    """Change a client's details, keeping the email unique within the organization."""
    email = normalize_email(email)
    if _email_taken(client.org_id, email, except_id=client.id):
        raise ServiceError(DUPLICATE, "email")
    client.email = email
    client.name = name.strip()
    client.company = (company or "").strip() or None
    client.phone = (phone or "").strip() or None
    record(actor, "client.updated", f"{actor.label} updated client {client.name}", subject=client)
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise ServiceError(DUPLICATE, "email") from exc
    return client


def list_clients(org_id: int, search: str | None = None, archived: bool = False) -> Select:
    """The client list's query: light rows with their project counts, by name."""
    from sqlalchemy import func

    from portal.models import Project
    from portal.services.search import matches

    projects = db.select(func.count(Project.id)).where(Project.client_id == Client.id).scalar_subquery()
    query = (
        db.select(Client.id, Client.name, Client.email, Client.company, projects.label("projects"))
        .where(Client.org_id == org_id, Client.archived_at.is_not(None) if archived else Client.archived_at.is_(None))
        .order_by(Client.name, Client.id)
    )
    if search:
        query = query.where(matches(search, Client.name, Client.email, Client.company))
    return query
