"""Benchmark data: N organizations, each with clients, projects, deliverables, files and messages.

1x  = 1 organization, 50 projects.
100x = 100 organizations, 5,000 projects, 50,000 deliverables, 100,000 messages.
The first organization's first client is the one the benchmark browses as.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, text

from portal.extensions import db
from portal.models import Client, Deliverable, Invoice, Message, Organization, PortalLink, Project, Proposal, StoredFile
from portal.services.portal_links import derive_token, hash_token

PROJECTS_PER_ORG = 50
DELIVERABLES_PER_PROJECT = 10
MESSAGES_PER_PROJECT = 20
FILES_PER_DELIVERABLE = 1


def generate(scale: int) -> dict:
    """Insert scale × (one organization's worth of data); return what the benchmark needs to browse."""
    now = datetime.now(UTC)
    first = None
    for o in range(scale):
        org_id = db.session.execute(
            insert(Organization)
            .values(
                name=f"Bench Org {o}",
                slug=f"bench-{o}",
                accent_color="#1d4ed8",
                currency="EUR",
                proposal_seq=0,
                invoice_seq=0,
                created_at=now,
            )
            .returning(Organization.id)
        ).scalar_one()
        client_ids = (
            db.session.execute(
                insert(Client).returning(Client.id),
                [
                    {"org_id": org_id, "email": f"client{c}@bench.example", "name": f"Client {c}", "created_at": now}
                    for c in range(5)
                ],
            )
            .scalars()
            .all()
        )
        projects = [
            {
                "org_id": org_id,
                "client_id": client_ids[p % 5],
                "name": f"Project {o}-{p}",
                "status": ("delivered", "in_progress", "scheduled", "completed")[p % 4],
                "start_date": date.today() - timedelta(days=p),
                "client_portal_enabled": True,
                "created_at": now,
                "updated_at": now,
            }
            for p in range(PROJECTS_PER_ORG)
        ]
        project_ids = db.session.execute(insert(Project).returning(Project.id), projects).scalars().all()
        deliverables = [
            {
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
            for pid in project_ids
            for d in range(DELIVERABLES_PER_PROJECT)
        ]
        deliverable_rows = db.session.execute(
            insert(Deliverable).returning(Deliverable.id, Deliverable.project_id), deliverables
        ).all()
        db.session.execute(
            insert(StoredFile),
            [
                {
                    "project_id": row.project_id,
                    "deliverable_id": row.id,
                    "filename": f"photo-{row.id}.jpg",
                    "content_type": "image/jpeg",
                    "size": 123456,
                    "sha256": "0" * 64,
                    "storage_key": f"bench/{row.id}.jpg",
                    "client_visible": True,
                    "uploaded_by_type": "operator",
                    "created_at": now,
                }
                for row in deliverable_rows
            ],
        )
        db.session.execute(
            insert(Message),
            [
                {
                    "project_id": pid,
                    "sender_type": ("operator", "client")[m % 2],
                    "sender_name": "Sender",
                    "body": f"Message {m} about the flight plan and the deliverables.",
                    "created_at": now + timedelta(seconds=m),
                }
                for pid in project_ids
                for m in range(MESSAGES_PER_PROJECT)
            ],
        )
        db.session.execute(
            insert(Proposal),
            [
                {
                    "org_id": org_id,
                    "client_id": client_ids[0],
                    "number": f"P-{n:04d}",
                    "title": f"Offer {n}",
                    "currency": "EUR",
                    "status": "sent",
                    "subtotal_minor": 100000,
                    "tax_minor": 20000,
                    "total_minor": 120000,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(5)
            ],
        )
        db.session.execute(
            insert(Invoice),
            [
                {
                    "org_id": org_id,
                    "client_id": client_ids[0],
                    "number": f"INV-{n:04d}",
                    "currency": "EUR",
                    "status": "sent",
                    "issue_date": date.today(),
                    "subtotal_minor": 100000,
                    "tax_minor": 20000,
                    "total_minor": 120000,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(5)
            ],
        )
        nonce = secrets.token_urlsafe(32)
        db.session.execute(
            insert(PortalLink).values(
                org_id=org_id,
                client_id=client_ids[0],
                project_id=None,
                client_email="client0@bench.example",
                client_name="Client 0",
                token_hash=hash_token(derive_token(nonce)),
                token_nonce=nonce,
                access_code_version=0,
                failed_attempts=0,
                code_locked=False,
                notify_email=True,
                require_email_verification=False,
                allow_uploads=False,
                access_count=0,
                created_at=now,
            )
        )
        if first is None:
            first = {"slug": f"bench-{o}", "token": derive_token(nonce), "project_id": project_ids[0]}
        db.session.commit()
    # A database in service has planner statistics; a freshly loaded one needs them gathered once.
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return first
