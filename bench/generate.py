"""Benchmark data: N organizations, each with clients, projects, deliverables, files and messages.

1x  = 1 organization, 50 projects, 500 deliverables and files, 1,000 messages.
100x = 100 organizations, 5,000 projects, 50,000 deliverables, 100,000 messages.
1000x = 1,000 organizations, 50,000 projects, 500,000 deliverables and files, 1,000,000 messages.
Rows get their ids here and go in table by table: COPY on PostgreSQL, batched inserts elsewhere.
The first organization's first client is the one the benchmark browses as.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import islice

from sqlalchemy import Table, insert, text

from portal.extensions import db
from portal.models import Client, Deliverable, Invoice, Message, Organization, PortalLink, Project, Proposal, StoredFile
from portal.services.portal_links import derive_token, hash_token

CLIENTS_PER_ORG = 5
PROJECTS_PER_ORG = 50
DELIVERABLES_PER_PROJECT = 10
MESSAGES_PER_PROJECT = 20
OFFERS_PER_ORG = 5
STATUSES = ("delivered", "in_progress", "scheduled", "completed")
BATCH = 5000


def _defaults(table: Table, given: Iterable[str]) -> dict:
    """The model's Python-side defaults for the columns a row leaves out (COPY does not run them)."""
    out = {}
    for column in table.columns:
        if column.name in given or column.default is None or column.primary_key:
            continue
        default = column.default
        if default.is_scalar:
            out[column.name] = default.arg
        elif default.is_callable:
            out[column.name] = default.arg(None)
    return out


def _load(table: Table, rows: Iterator[dict]) -> int:
    """Write rows (all with the same keys) into a table; return how many."""
    first = next(rows, None)
    if first is None:
        return 0
    defaults = _defaults(table, first)
    columns = [*first, *defaults]
    connection = db.session.connection()
    count = 0
    if connection.dialect.name == "postgresql":
        names = ", ".join(f'"{c}"' for c in columns)
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in _chain(first, rows):
                copy.write_row([*row.values(), *defaults.values()])
                count += 1
        return count
    pending = _chain(first, rows)
    while batch := list(islice(pending, BATCH)):
        connection.execute(insert(table), [{**row, **defaults} for row in batch])
        count += len(batch)
    return count


def _chain(first: dict, rest: Iterator[dict]) -> Iterator[dict]:
    yield first
    yield from rest


def generate(scale: int) -> dict:
    """Insert scale × (one organization's worth of data); return what the benchmark needs to browse."""
    now = datetime.now(UTC)
    today = date.today()
    orgs = range(1, scale + 1)
    projects = scale * PROJECTS_PER_ORG

    def client_id(org: int, c: int) -> int:
        return (org - 1) * CLIENTS_PER_ORG + c + 1

    def project_id(org: int, p: int) -> int:
        return (org - 1) * PROJECTS_PER_ORG + p + 1

    _load(
        Organization.__table__,
        (
            {
                "id": o,
                "name": f"Bench Org {o - 1}",
                "slug": f"bench-{o - 1}",
                "accent_color": "#1d4ed8",
                "currency": "EUR",
                "proposal_seq": 0,
                "invoice_seq": 0,
                "created_at": now,
            }
            for o in orgs
        ),
    )
    _load(
        Client.__table__,
        (
            {
                "id": client_id(o, c),
                "org_id": o,
                "email": f"client{c}@bench.example",
                "name": f"Client {c}",
                "created_at": now,
            }
            for o in orgs
            for c in range(CLIENTS_PER_ORG)
        ),
    )
    _load(
        Project.__table__,
        (
            {
                "id": project_id(o, p),
                "org_id": o,
                "client_id": client_id(o, p % CLIENTS_PER_ORG),
                "name": f"Project {o - 1}-{p}",
                "status": STATUSES[p % 4],
                "start_date": today - timedelta(days=p),
                "client_portal_enabled": True,
                "created_at": now,
                "updated_at": now,
            }
            for o in orgs
            for p in range(PROJECTS_PER_ORG)
        ),
    )
    deliverables = (
        {
            "id": (pid - 1) * DELIVERABLES_PER_PROJECT + d + 1,
            "project_id": pid,
            "title": f"Deliverable {d}",
            "type": "photos",
            "format": "JPEG",
            "version": 1,
            "status": "ready",
            "client_visible": True,
            "approval_status": "pending",
            "created_at": now,
            "updated_at": now,
        }
        for pid in range(1, projects + 1)
        for d in range(DELIVERABLES_PER_PROJECT)
    )
    _load(Deliverable.__table__, deliverables)
    _load(
        StoredFile.__table__,
        (
            {
                "id": did,
                "project_id": (did - 1) // DELIVERABLES_PER_PROJECT + 1,
                "deliverable_id": did,
                "filename": f"photo-{did}.jpg",
                "content_type": "image/jpeg",
                "size": 123456,
                "sha256": "0" * 64,
                "storage_key": f"bench/{did}.jpg",
                "client_visible": True,
                "uploaded_by_type": "operator",
                "created_at": now,
            }
            for did in range(1, projects * DELIVERABLES_PER_PROJECT + 1)
        ),
    )
    # Messages go in the way a live portal gets them: the projects' threads interleaved in time.
    _load(
        Message.__table__,
        (
            {
                "id": m * projects + pid,
                "project_id": pid,
                "sender_type": ("operator", "client")[m % 2],
                "sender_name": "Sender",
                "body": f"Message {m} about the flight plan and the deliverables.",
                "created_at": now + timedelta(seconds=m),
            }
            for m in range(MESSAGES_PER_PROJECT)
            for pid in range(1, projects + 1)
        ),
    )
    money = {"currency": "EUR", "status": "sent", "subtotal_minor": 100000, "tax_minor": 20000, "total_minor": 120000}
    _load(
        Proposal.__table__,
        (
            {
                "id": (o - 1) * OFFERS_PER_ORG + n + 1,
                "org_id": o,
                "client_id": client_id(o, 0),
                "number": f"P-{n:04d}",
                "title": f"Offer {n}",
                **money,
                "created_at": now,
                "updated_at": now,
            }
            for o in orgs
            for n in range(OFFERS_PER_ORG)
        ),
    )
    _load(
        Invoice.__table__,
        (
            {
                "id": (o - 1) * OFFERS_PER_ORG + n + 1,
                "org_id": o,
                "client_id": client_id(o, 0),
                "number": f"INV-{n:04d}",
                **money,
                "issue_date": today,
                "created_at": now,
                "updated_at": now,
            }
            for o in orgs
            for n in range(OFFERS_PER_ORG)
        ),
    )
    nonces = {o: secrets.token_urlsafe(32) for o in orgs}
    _load(
        PortalLink.__table__,
        (
            {
                "id": o,
                "org_id": o,
                "client_id": client_id(o, 0),
                "client_email": "client0@bench.example",
                "client_name": "Client 0",
                "token_hash": hash_token(derive_token(nonces[o])),
                "token_nonce": nonces[o],
                "access_code_version": 0,
                "failed_attempts": 0,
                "code_locked": False,
                "notify_email": True,
                "require_email_verification": False,
                "allow_uploads": False,
                "access_count": 0,
                "created_at": now,
            }
            for o in orgs
        ),
    )
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # Ids were given above: the sequences move past them, as if the rows had been inserted one by one.
        for model in (Organization, Client, Project, Deliverable, StoredFile, Message, Proposal, Invoice, PortalLink):
            table = f'"{model.__table__.name}"'
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"))
    db.session.commit()
    # A database in service has planner statistics; a freshly loaded one needs them gathered once.
    if connection.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"}).execute(text("VACUUM ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return {"slug": "bench-0", "token": derive_token(nonces[1]), "project_id": project_id(1, 0)}
