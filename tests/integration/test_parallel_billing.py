"""Two people answering or moving the same proposal or invoice at once: one change wins, the other is refused with
the status it lost to; never two projects for one acceptance, nor a sent document changed after it was sent."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from functools import partial

import pytest

from portal.extensions import db
from portal.models import Activity, Invoice, Organization, Project, Proposal
from portal.models.invoice import PAID, SENT, VOID
from portal.models.proposal import ACCEPTED, DECLINED
from portal.services import invoices, proposals
from portal.services.activity import Actor
from portal.services.billing import LineInput
from portal.services.errors import ServiceError
from tests.factories import make_client, make_org, new_invoice, new_proposal, priced
from tests.threads import run_together

ACTOR = Actor("operator", "Racer")
ROUNDS = 4


def _race(app, calls) -> list:
    """Run the calls at the same moment, each in its own application context; what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    outcome: list = [None] * len(calls)

    def run(index, call):
        with app.app_context():
            barrier.wait()
            try:
                outcome[index] = call()
            except ServiceError as error:
                outcome[index] = error
                db.session.rollback()
            finally:
                db.session.remove()

    run_together(partial(run, index, call) for index, call in enumerate(calls))
    return outcome


def _document(app, make, status):
    with app.app_context():
        org = make_org("Race billing")
        client = make_client(org)
        document = priced(make(org.id, client.id, status=status), "Flight", 1, 100000)
        db.session.add(document)
        db.session.commit()
        return org.id, document.id


def _verbs(app, verb) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Activity.id)).where(Activity.verb == verb))


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_simultaneous_acceptances_make_one_project(app, round_):
    _org_id, proposal_id = _document(app, lambda o, c, **f: new_proposal(o, c, f"P-{round_}", **f), SENT)

    def accept(name):
        return proposals.accept_proposal(db.session.get(Proposal, proposal_id), ACTOR, name=name).status

    outcome = _race(app, [partial(accept, f"Signer {n}") for n in range(4)])
    assert outcome.count(ACCEPTED) == 1, outcome
    assert all("accepted proposal cannot be accepted" in str(o) for o in outcome if o != ACCEPTED), outcome
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Project.id))) == 1
        assert db.session.get(Proposal, proposal_id).project_id is not None
    assert _verbs(app, "proposal.accepted") == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_an_acceptance_racing_a_decline_leaves_one_answer(app, round_):
    _org_id, proposal_id = _document(app, lambda o, c, **f: new_proposal(o, c, f"P-{round_}", **f), SENT)

    def accept():
        return proposals.accept_proposal(db.session.get(Proposal, proposal_id), ACTOR, name="Signer").status

    def decline():
        proposal = db.session.get(Proposal, proposal_id)
        return proposals.decline_proposal(proposal, ACTOR, reason="Too late", name="Signer").status

    outcome = _race(app, [accept, decline])
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        projects = db.session.scalar(db.select(db.func.count(Project.id)))
    assert proposal.status in (ACCEPTED, DECLINED)
    assert outcome.count(proposal.status) == 1 and sum(isinstance(o, ServiceError) for o in outcome) == 1, outcome
    assert projects == (1 if proposal.status == ACCEPTED else 0)
    assert _verbs(app, "proposal.accepted") + _verbs(app, "proposal.declined") == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_paid_racing_void_leaves_one_of_them(app, round_):
    _org_id, invoice_id = _document(
        app, lambda o, c, **f: new_invoice(o, c, f"INV-{round_}", issue_date=date.today(), **f), SENT
    )

    def paid():
        return invoices.mark_paid(db.session.get(Invoice, invoice_id), ACTOR).status

    def void():
        return invoices.void_invoice(db.session.get(Invoice, invoice_id), ACTOR).status

    outcome = _race(app, [paid, void])
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
    assert invoice.status in (PAID, VOID)
    assert outcome.count(invoice.status) == 1 and sum(isinstance(o, ServiceError) for o in outcome) == 1, outcome
    assert (invoice.paid_at is not None) == (invoice.status == PAID)
    assert (invoice.voided_at is not None) == (invoice.status == VOID)
    assert _verbs(app, "invoice.paid") + _verbs(app, "invoice.void") == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_an_edit_racing_the_send_never_changes_the_sent_invoice(app, round_):
    org_id, invoice_id = _document(
        app, lambda o, c, **f: new_invoice(o, c, f"INV-{round_}", issue_date=date.today(), **f), "draft"
    )

    def send():
        return invoices.send_invoice(db.session.get(Invoice, invoice_id), ACTOR).status

    def edit():
        invoice = db.session.get(Invoice, invoice_id)
        invoices.DRAFTS.update(
            invoice,
            db.session.get(Organization, org_id),
            ACTOR,
            client_id=invoice.client_id,
            project_id=None,
            issue_date=date.today(),
            due_date=None,
            notes="Edited",
            payment_url=None,
            lines=[LineInput("Flight", Decimal(2), 100000, 0)],
        )
        return "edited"

    outcome = _race(app, [send, edit])
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        edited = _verbs(app, "invoice.updated") == 1
    assert invoice.status == SENT and outcome[0] == SENT, outcome
    if edited:  # the edit came first: the invoice went out as edited
        assert outcome[1] == "edited" and invoice.total_minor == 200000 and invoice.notes == "Edited"
    else:  # the send came first: the edit was refused and changed nothing
        assert "Only a draft invoice can be edited" in str(outcome[1]), outcome
        assert invoice.total_minor == 100000 and invoice.notes is None
