"""Deletes racing the writes that would block them: either the delete finds the new row, or the row fails to land;
never a record pointing at nothing, or an invoice or receipt silently cut loose from its project."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError, OperationalError

from portal.extensions import db
from portal.models import Activity, Client, Deliverable, Invoice, InvoiceLine, Project
from portal.services import archive, projects
from portal.services.activity import Actor
from portal.services.errors import ServiceError
from tests.factories import make_client, make_deliverable, make_org, make_project
from tests.threads import run_together

ACTOR = Actor("operator", "Racer")
ROUNDS = 6


def _race(app, first, second) -> dict:
    """Run two functions at the same moment, each in its own application context; collect what they returned."""
    barrier = threading.Barrier(2)
    outcome: dict = {}

    def run(name, fn):
        with app.app_context():
            barrier.wait()
            try:
                outcome[name] = fn()
            except (ServiceError, IntegrityError, OperationalError) as error:
                outcome[name] = error
                db.session.rollback()
            finally:
                db.session.remove()

    run_together(partial(run, *pair) for pair in (("a", first), ("b", second)))
    return outcome


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_client_delete_racing_a_new_project(app, round_):
    with app.app_context():
        org = make_org(f"Race {round_}")
        org_id, client_id = org.id, make_client(org).id

    def delete():
        archive.delete_object(db.session.get(Client, client_id), ACTOR)
        return "deleted"

    def create():
        return projects.create_project(org_id, ACTOR, client_id=client_id, name="Racing project").id

    outcome = _race(app, delete, create)
    with app.app_context():
        client = db.session.get(Client, client_id)
        owned = db.session.execute(db.select(Project.id).where(Project.client_id == client_id)).all()
        deleted_rows = db.session.execute(db.select(Activity.id).where(Activity.verb == "client.deleted")).all()
        if client is None:
            assert outcome["a"] == "deleted" and not owned and len(deleted_rows) == 1
            assert not isinstance(outcome["b"], int)
        else:
            assert isinstance(outcome["a"], archive.DeleteBlocked), outcome
            assert len(owned) == 1 and not deleted_rows


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_project_delete_racing_an_invoice_and_a_decision(app, round_):
    with app.app_context():
        org = make_org(f"Race {round_}")
        client = make_client(org)
        project = make_project(org, client)
        deliverable = make_deliverable(project, client_visible=True, status="ready")
        org_id, client_id, project_id, deliverable_id = org.id, client.id, project.id, deliverable.id

    def delete():
        archive.delete_object(db.session.get(Project, project_id), ACTOR)
        return "deleted"

    def invoice_and_decision():
        db.session.add(
            Invoice(
                org_id=org_id,
                client_id=client_id,
                project_id=project_id,
                number=f"INV-{round_}",
                issue_date=date.today(),
                currency="EUR",
                lines=[InvoiceLine(description="Flight", quantity=Decimal(1), unit_price_minor=100)],
            )
        )
        db.session.execute(
            update(Deliverable)
            .where(Deliverable.id == deliverable_id, Deliverable.approval_status == "pending")
            .values(approval_status="approved", decided_at=datetime.now(UTC))
        )
        db.session.commit()
        return "invoiced"

    outcome = _race(app, delete, invoice_and_decision)
    with app.app_context():
        invoices = db.session.execute(db.select(Invoice.project_id)).scalars().all()
        project = db.session.get(Project, project_id)
        if project is None:
            assert outcome["a"] == "deleted" and invoices == [], outcome
            assert db.session.get(Deliverable, deliverable_id) is None
        else:
            assert outcome["b"] == "invoiced" and isinstance(outcome["a"], archive.DeleteBlocked), outcome
            assert invoices == [project_id]
            assert db.session.get(Deliverable, deliverable_id).approval_status == "approved"
