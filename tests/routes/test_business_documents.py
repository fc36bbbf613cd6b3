"""Business details in settings, printed on invoice and proposal PDFs; the proposal PDF on both sides."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from portal.extensions import db, mail
from portal.models import Activity, Organization, Proposal, User
from tests.conftest import HX, login
from tests.factories import make_client, make_link, make_org, make_project, make_user, new_invoice, new_proposal, priced

ADDRESS = "Fjordgata 12\n3015 Drammen\nNorway"
TAX_ID = "NO 912 345 678 MVA"
BANK = "DNB Bank ASA\nIBAN NO93 8601 1117 947\nBIC DNBANOKK"


def pdf_text(data: bytes, tmp_path, name: str = "doc.pdf") -> str:
    """The text of a PDF, as pdftotext reads it."""
    path = tmp_path / name
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def proposal_for(org_id: int, client_id: int, number: str = "P-0007", status: str = "sent", **fields) -> Proposal:
    """A proposal of one priced line (not committed)."""
    proposal = new_proposal(
        org_id,
        client_id,
        number,
        fields.pop("title", "Bridge inspection"),
        intro="Two flight days over the bridge.",
        terms="Half up front.",
        status=status,
        valid_until=date.today() + timedelta(days=30),
        **fields,
    )
    return priced(proposal, "Flight day", 2, 60000, tax_rate_bp=2500)


@dataclass
class Shop:
    """Ids of an organization with business details, a client with a link, a proposal and an invoice."""

    org_id: int
    user_id: int
    proposal_id: int
    draft_id: int
    invoice_id: int
    token: str


def make_shop(app, **org_fields) -> Shop:
    """Set up the organization in its own application context."""
    with app.app_context():
        details = {"business_address": ADDRESS, "tax_id": TAX_ID, "payment_instructions": BANK}
        org = make_org("Skyline Drones", slug="skyline", **{**details, **org_fields})
        user = make_user(org, email="owner@skyline.example", name="Olga Owner")
        customer = make_client(org, email="client@example.com", name="Casey Client", company="Harbour Co")
        project = make_project(org, customer, name="Kestrel bridge", status="confirmed")
        proposal = proposal_for(org.id, customer.id)
        draft = proposal_for(org.id, customer.id, number="P-0008", status="draft", title="DRAFT-OFFER")
        invoice = new_invoice(
            org.id,
            customer.id,
            "INV-0042",
            status="sent",
            issue_date=date.today(),
            due_date=date.today() + timedelta(days=14),
        )
        priced(invoice, "Travel", 1, 5000)
        db.session.add_all([proposal, draft, invoice])
        db.session.commit()
        _link, token = make_link(org, customer, project, name="Casey Client")
        return Shop(org.id, user.id, proposal.id, draft.id, invoice.id, token)


def operator_of(app, shop: Shop):
    """A test client signed in as the shop's owner."""
    with app.app_context():
        org = db.session.get(Organization, shop.org_id)
        user = db.session.get(User, shop.user_id)
        return login(app.test_client(), user, org)


def client_browser(app, shop: Shop):
    """A test client that opened the shop's portal link."""
    browser = app.test_client()
    assert browser.post(f"/p/{shop.token}").status_code == 303
    return browser


def test_owner_saves_business_details_and_they_are_shown_again(app):
    shop = make_shop(app, business_address=None, tax_id=None, payment_instructions=None)
    operator = operator_of(app, shop)
    page = operator.get("/app/settings")
    assert page.status_code == 200 and "Business details" in page.text
    assert '<label for="tax_id">Tax or VAT number</label>' in page.text
    data = {
        "business_address": "Fjordgata 12  \r\n3015 Drammen\r\n",
        "tax_id": f"  {TAX_ID} ",
        "payment_instructions": BANK,
    }
    response = operator.post("/app/settings/business", data=data, headers=HX)
    assert response.status_code == 200 and "<html" not in response.text and "Business details saved" in response.text
    assert TAX_ID in response.text and "IBAN NO93 8601 1117 947" in response.text
    with app.app_context():
        org = db.session.get(Organization, shop.org_id)
        assert (org.business_address, org.tax_id, org.payment_instructions) == (
            "Fjordgata 12\n3015 Drammen",
            TAX_ID,
            BANK,
        )
    assert operator.post("/app/settings/business", data=data).status_code == 303
    assert "Fjordgata 12" in operator.get("/app/settings").text
    with app.app_context():
        verbs = db.session.execute(db.select(Activity.verb).where(Activity.org_id == shop.org_id)).scalars().all()
        assert verbs.count("org.business_details_updated") == 2


def test_business_details_refused_when_too_long_or_not_an_owner(app):
    shop = make_shop(app)
    operator = operator_of(app, shop)
    response = operator.post("/app/settings/business", data={"tax_id": "9" * 65}, headers=HX)
    assert response.status_code == 200 and "Field cannot be longer than 64 characters." in response.text
    assert operator.post("/app/settings/business", data={"business_address": "x" * 501}).status_code == 422
    with app.app_context():
        member = make_user(db.session.get(Organization, shop.org_id), role="member")
        org = db.session.get(Organization, shop.org_id)
        colleague = login(app.test_client(), member, org)
    assert colleague.post("/app/settings/business", data={"tax_id": "X"}).status_code == 403
    with app.app_context():
        assert db.session.get(Organization, shop.org_id).tax_id == TAX_ID


def test_invoice_pdf_prints_the_business_details(app, tmp_path):
    shop = make_shop(app)
    operator = operator_of(app, shop)
    text = pdf_text(operator.get(f"/app/invoices/{shop.invoice_id}/pdf").data, tmp_path)
    for expected in ("Fjordgata 12", "3015 Drammen", f"Tax/VAT no. {TAX_ID}", "How to pay", "IBAN NO93 8601 1117 947"):
        assert expected in text, expected
    portal_pdf = client_browser(app, shop).get(f"/portal/skyline/invoices/{shop.invoice_id}/pdf")
    assert "IBAN NO93 8601 1117 947" in pdf_text(portal_pdf.data, tmp_path, "portal.pdf")


def test_invoice_pdf_without_business_details_has_no_empty_headings(app, tmp_path):
    shop = make_shop(app, business_address=None, tax_id=None, payment_instructions=None)
    text = pdf_text(operator_of(app, shop).get(f"/app/invoices/{shop.invoice_id}/pdf").data, tmp_path)
    assert "Skyline Drones" in text and "INV-0042" in text
    assert "Tax/VAT" not in text and "How to pay" not in text


def test_operator_downloads_the_proposal_pdf(app, tmp_path):
    shop = make_shop(app)
    operator = operator_of(app, shop)
    page = operator.get(f"/app/proposals/{shop.proposal_id}")
    assert f'href="/app/proposals/{shop.proposal_id}/pdf"' in page.text
    response = operator.get(f"/app/proposals/{shop.proposal_id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert 'filename="P-0007.pdf"' in response.headers["Content-Disposition"]
    text = pdf_text(response.data, tmp_path)
    for expected in (
        "Proposal",
        "P-0007",
        "Bridge inspection",
        "Two flight days over the bridge.",
        "Flight day",
        "€1,500.00",
        "Half up front.",
        "Casey Client",
        "Harbour Co",
        f"Tax/VAT no. {TAX_ID}",
        "Fjordgata 12",
        "BIC DNBANOKK",
    ):
        assert expected in text, expected
    assert "Accepted" not in text


def test_client_downloads_the_proposal_pdf_but_never_a_draft_or_another_organizations(app, tmp_path):
    shop = make_shop(app)
    with app.app_context():
        stranger = make_org("Elsewhere", slug="elsewhere")
        foreign = proposal_for(stranger.id, make_client(stranger).id, number="P-0099", title="FOREIGN")
        db.session.add(foreign)
        db.session.commit()
        foreign_id = foreign.id
    browser = client_browser(app, shop)
    page = browser.get(f"/portal/skyline/proposals/{shop.proposal_id}")
    assert f'href="/portal/skyline/proposals/{shop.proposal_id}/pdf"' in page.text and "Download PDF" in page.text
    response = browser.get(f"/portal/skyline/proposals/{shop.proposal_id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "P-0007" in pdf_text(response.data, tmp_path)
    assert browser.get(f"/portal/skyline/proposals/{shop.draft_id}/pdf").status_code == 404
    assert browser.get(f"/portal/skyline/proposals/{foreign_id}/pdf").status_code == 404
    assert operator_of(app, shop).get(f"/app/proposals/{foreign_id}/pdf").status_code == 404


@pytest.mark.parametrize("path", ["/app/proposals/{id}/pdf"])
def test_proposal_pdf_needs_a_login(app, path):
    shop = make_shop(app)
    response = app.test_client().get(path.format(id=shop.proposal_id))
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


def test_accepting_in_the_portal_emails_the_signed_copy(app, tmp_path):
    shop = make_shop(app)
    browser = client_browser(app, shop)
    with mail.record_messages() as outbox:
        response = browser.post(
            f"/portal/skyline/proposals/{shop.proposal_id}/accept", data={"name": "Casey Q. Client"}, headers=HX
        )
    assert response.status_code == 200 and "Download the signed copy (PDF)" in response.text
    signed = [m for m in outbox if m.recipients == ["client@example.com"]]
    assert len(signed) == 1, [m.subject for m in outbox]
    message = signed[0]
    assert message.subject == "Your signed copy of proposal P-0007: Bridge inspection"
    assert "Casey Q. Client" in message.body and "Casey Q. Client" in message.html
    assert f"/portal/skyline/proposals/{shop.proposal_id}" in message.body and shop.token not in message.body
    (attachment,) = message.attachments
    assert (attachment.filename, attachment.content_type) == ("P-0007-signed.pdf", "application/pdf")
    with app.app_context():
        size = len(message.as_bytes())
    (tmp_path.parent / "signed-size.txt").write_text(str(size))
    assert size < 200_000
    text = pdf_text(attachment.data, tmp_path)
    with app.app_context():
        proposal = db.session.get(Proposal, shop.proposal_id)
        decided = proposal.decided_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    for expected in ("Accepted", "Casey Q. Client", decided, "127.0.0.1", "P-0007", "€1,500.00", TAX_ID):
        assert expected in text, expected
    # The operators hear about the answer as before, without the attachment.
    answered = [m for m in outbox if m.recipients == ["owner@skyline.example"]]
    assert len(answered) == 1 and not answered[0].attachments
    download = browser.get(f"/portal/skyline/proposals/{shop.proposal_id}/pdf")
    assert 'filename="P-0007-signed.pdf"' in download.headers["Content-Disposition"]
    assert "Casey Q. Client" in pdf_text(download.data, tmp_path, "download.pdf")


def test_a_declined_proposal_sends_no_signed_copy(app):
    shop = make_shop(app)
    browser = client_browser(app, shop)
    with mail.record_messages() as outbox:
        browser.post(f"/portal/skyline/proposals/{shop.proposal_id}/decline", data={"reason": "Too dear"})
    assert [m.recipients for m in outbox] == [["owner@skyline.example"]]


def test_an_acceptance_the_operator_records_sends_no_signed_copy(app, tmp_path):
    shop = make_shop(app)
    operator = operator_of(app, shop)
    with mail.record_messages() as outbox:
        response = operator.post(f"/app/proposals/{shop.proposal_id}/accept", data={"name": "Casey Client"})
    assert response.status_code == 303
    assert all(m.recipients != ["client@example.com"] for m in outbox)
    # The PDF says who recorded the answer, and never shows the operator's own address as the signer's.
    text = pdf_text(operator.get(f"/app/proposals/{shop.proposal_id}/pdf").data, tmp_path)
    assert "Casey Client" in text and "recorded by Olga Owner" in text
    assert "127.0.0.1" not in text and "Signed by typing" not in text
