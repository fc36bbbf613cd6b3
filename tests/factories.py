"""Factories for test data; each returns a committed object with sensible defaults."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple, TypeVar

from werkzeug.security import generate_password_hash

from portal.extensions import db
from portal.models import (
    Client,
    Deliverable,
    Invoice,
    InvoiceLine,
    Membership,
    Organization,
    PortalLink,
    Project,
    Proposal,
    ProposalLine,
    User,
)
from portal.models.base import utcnow
from portal.models.user import ROLE_OWNER
from portal.services.billing import LineInput, apply_lines

PASSWORD = "correct horse battery"
# One hash for every factory user: hashing per user would slow the suite for nothing.
_PASSWORD_HASH = generate_password_hash(PASSWORD)
_seq = itertools.count(1)
_Row = TypeVar("_Row")


def _saved(row: _Row) -> _Row:
    """The new row, added and committed."""
    db.session.add(row)
    db.session.commit()
    return row


def make_org(name: str | None = None, slug: str | None = None, **fields) -> Organization:
    """An organization."""
    n = next(_seq)
    return _saved(Organization(name=name or f"Org {n}", slug=slug or f"org-{n}-{id(object())}", **fields))


def make_user(
    org: Organization | None = None, role: str = ROLE_OWNER, email: str | None = None, name: str | None = None
) -> User:
    """An operator, member of ``org`` when given."""
    n = next(_seq)
    user = User(
        email=email or f"operator{n}@example.com",
        name=name or f"Operator {n}",
        password_hash=_PASSWORD_HASH,
        email_verified_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    if org is not None:
        db.session.add(Membership(user_id=user.id, org_id=org.id, role=role))
    db.session.commit()
    return user


def make_client(org: Organization, email: str | None = None, name: str | None = None, **fields) -> Client:
    """A client of ``org``."""
    n = next(_seq)
    return _saved(Client(org_id=org.id, email=email or f"client{n}@example.com", name=name or f"Client {n}", **fields))


def make_project(
    org: Organization, client: Client | None = None, name: str | None = None, status: str = "draft", **fields
) -> Project:
    """A project of ``org`` (and a new client when none is given)."""
    client = client or make_client(org)
    return _saved(
        Project(
            org_id=org.id,
            client_id=client.id,
            name=name or f"Project {next(_seq)}",
            status=status,
            start_date=fields.pop("start_date", date.today()),
            end_date=fields.pop("end_date", date.today() + timedelta(days=7)),
            **fields,
        )
    )


def make_deliverable(project: Project, title: str | None = None, **fields) -> Deliverable:
    """A deliverable of ``project``."""
    return _saved(Deliverable(project_id=project.id, title=title or f"Deliverable {next(_seq)}", **fields))


def make_link(
    org: Organization,
    client: Client,
    project: Project | None = None,
    code: str | None = None,
    email: str | None = None,
    **fields,
):
    """A portal link through the service; returns (link, token)."""
    from portal.services import portal_links
    from portal.services.activity import Actor

    created = portal_links.create_link(
        org.id,
        Actor("operator", "Factory"),
        client=client,
        project=project,
        email=email or client.email,
        code_mode="typed" if code else "none",
        typed_code=code,
        **fields,
    )
    return created.link, created.token


class Shared(NamedTuple):
    """A client's project and the portal link it is shared through."""

    client: Client
    project: Project
    link: PortalLink
    token: str


def make_shared_project(org: Organization, email: str, client_name: str, project_name: str) -> Shared:
    """A new client of ``org`` with a project of theirs, shared with them through a portal link."""
    client = make_client(org, email=email, name=client_name)
    project = make_project(org, client, name=project_name)
    link, token = make_link(org, client, project)
    return Shared(client, project, link, token)


def make_activity(org: Organization, project: Project | None = None, summary: str = "Something happened", **fields):
    """An activity entry of ``org`` (of ``project`` when given), by the system unless told."""
    from portal.models import Activity

    fields = {"actor_type": "system", "actor_label": "S", "verb": "v", **fields}
    return _saved(Activity(org_id=org.id, project_id=project.id if project else None, summary=summary, **fields))


def make_file_row(project: Project, filename: str, deliverable: Deliverable | None = None, **fields):
    """A client-visible file's row only (its bytes are never read): size, SHA-256 and key are placeholders."""
    from portal.models import StoredFile

    fields = {"content_type": "image/png", "size": 1, "sha256": "0" * 64, "client_visible": True, **fields}
    return _saved(
        StoredFile(
            project_id=project.id,
            deliverable_id=deliverable.id if deliverable else None,
            filename=filename,
            storage_key=fields.pop("storage_key", f"k/{project.id}/{filename}"),
            **fields,
        )
    )


def new_proposal(org_id: int, client_id: int, number: str, title: str = "Offer", **fields) -> Proposal:
    """A proposal in euros, not yet added to the session."""
    return Proposal(org_id=org_id, client_id=client_id, number=number, title=title, currency="EUR", **fields)


def new_invoice(org_id: int, client_id: int, number: str, **fields) -> Invoice:
    """An invoice in euros, not yet added to the session."""
    return Invoice(org_id=org_id, client_id=client_id, number=number, currency="EUR", **fields)


def priced(document: Proposal | Invoice, description: str, quantity: int, unit_price_minor: int, tax_rate_bp: int = 0):
    """The proposal or invoice with one priced line, its totals computed as the billing service computes them."""
    line_model = ProposalLine if isinstance(document, Proposal) else InvoiceLine
    apply_lines(document, line_model, [LineInput(description, Decimal(quantity), unit_price_minor, tax_rate_bp)])
    return document


def create_flight_invoice(org: Organization, actor, client_id: int, price_minor: int) -> Invoice:
    """An invoice of one untaxed flight line issued today, created (and numbered) by the invoices service."""
    from portal.services.invoices import DRAFTS

    return DRAFTS.create(
        org,
        actor,
        client_id=client_id,
        project_id=None,
        issue_date=date.today(),
        due_date=None,
        notes=None,
        payment_url=None,
        lines=[LineInput("Flight", Decimal(1), price_minor, 0)],
    )
