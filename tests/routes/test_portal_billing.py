"""The client's overview, proposals and invoices."""

import subprocess
from datetime import date, timedelta

import pytest

from portal.extensions import db
from portal.models import Project
from tests.conftest import HX
from tests.factories import new_invoice, new_proposal, priced
from tests.portal_world import make_world


@pytest.fixture
def world(app, ctx):
    world = make_world(app)
    customer_id = world.project.client_id
    world.proposal = new_proposal(
        world.org.id,
        customer_id,
        "P-0007",
        "Summer package",
        status="sent",
        valid_until=date.today() + timedelta(days=5),
        terms="Half up front",
    )
    priced(world.proposal, "Flight day", 1, 100000, tax_rate_bp=2000)
    world.draft = new_proposal(world.org.id, customer_id, "P-0008", "DRAFT-OFFER", status="draft")
    world.invoice = new_invoice(
        world.org.id,
        customer_id,
        "INV-0042",
        status="sent",
        issue_date=date.today() - timedelta(days=40),
        due_date=date.today() - timedelta(days=10),
        payment_url="https://pay.example/42",
    )
    priced(world.invoice, "Travel", 1, 5000)
    db.session.add_all([world.proposal, world.draft, world.invoice])
    db.session.commit()
    return world


def test_overview_lists_what_needs_the_client(world):
    page = world.browser.get(world.url("/")).text
    assert "Review “Stills”" in page and "1 new message" in page
    assert "Answer proposal P-0007" in page and "Overdue: invoice INV-0042" in page
    assert "DRAFT-OFFER" not in page
    for key, value in (("projects", "2"), ("proposals", "1"), ("invoices", "1")):
        assert f'id="badge-{key}-wide">' in page and f'{value}<span class="visually-hidden"> new' in page


def test_lists_hide_drafts(world):
    assert "P-0007" in world.browser.get(world.url("/proposals")).text
    assert "P-0008" not in world.browser.get(world.url("/proposals")).text
    assert world.browser.get(world.url(f"/proposals/{world.draft.id}")).status_code == 404


def test_accept_proposal_fragment_records_name_time_ip(world):
    page = world.browser.get(world.url(f"/proposals/{world.proposal.id}")).text
    assert "Flight day" in page and "€1,200.00" in page and "Half up front" in page
    missing = world.browser.post(world.url(f"/proposals/{world.proposal.id}/accept"), data={"name": ""}, headers=HX)
    assert missing.status_code == 200 and "Type your full name" in missing.text
    response = world.browser.post(
        world.url(f"/proposals/{world.proposal.id}/accept"), data={"name": "Casey Client"}, headers=HX
    )
    assert response.status_code == 200 and "Accepted by <strong>Casey Client" in response.text
    assert 'id="badge-proposals" hx-swap-oob="true"' in response.text
    db.session.refresh(world.proposal)
    assert world.proposal.status == "accepted" and world.proposal.decision_ip == "127.0.0.1"
    assert db.session.get(Project, world.proposal.project_id).name == "Summer package"
    again = world.browser.post(world.url(f"/proposals/{world.proposal.id}/decline"), data={"reason": "no"})
    assert again.status_code == 409 and "cannot be declined" in again.text


def test_decline_needs_reason(world):
    missing = world.browser.post(world.url(f"/proposals/{world.proposal.id}/decline"), data={"reason": ""})
    assert missing.status_code == 422 and "Give a reason" in missing.text
    done = world.browser.post(world.url(f"/proposals/{world.proposal.id}/decline"), data={"reason": "Too early"})
    assert done.status_code == 303
    db.session.refresh(world.proposal)
    assert world.proposal.status == "declined" and world.proposal.decision_reason == "Too early"


def test_expired_proposal_cannot_be_accepted(world):
    world.proposal.valid_until = date.today() - timedelta(days=1)
    db.session.commit()
    assert "expired" in world.browser.get(world.url(f"/proposals/{world.proposal.id}")).text
    response = world.browser.post(
        world.url(f"/proposals/{world.proposal.id}/accept"), data={"name": "Casey"}, headers=HX
    )
    assert "expired" in response.text
    db.session.refresh(world.proposal)
    assert world.proposal.status == "sent"


def test_invoice_page_pay_button_and_pdf(world, tmp_path):
    page = world.browser.get(world.url(f"/invoices/{world.invoice.id}")).text
    assert "Overdue" in page and 'href="https://pay.example/42"' in page and "Pay €50.00" in page
    pdf = world.browser.get(world.url(f"/invoices/{world.invoice.id}/pdf"))
    assert pdf.mimetype == "application/pdf"
    (tmp_path / "i.pdf").write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", str(tmp_path / "i.pdf"), "-"], capture_output=True, text=True).stdout
    assert "INV-0042" in text
    world.invoice.status = "paid"
    db.session.commit()
    assert "Pay €" not in world.browser.get(world.url(f"/invoices/{world.invoice.id}")).text
