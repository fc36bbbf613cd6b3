"""Invoices: draft, numbering, send, paid, void, overdue, PDF."""

import subprocess
from datetime import date, timedelta

from portal.extensions import db
from portal.models import Invoice
from tests.conftest import HX, login
from tests.factories import make_client, make_org, make_user
from tests.routes.test_proposals import _lines


def _setup(client, currency="EUR"):
    org = make_org("Skyline Drones", currency=currency)
    login(client, make_user(org), org)
    return org, make_client(org, name="Harbour Co")


def _create(client, customer, **extra):
    data = {
        "client_id": customer.id,
        "issue_date": date.today().isoformat(),
        "due_date": (date.today() + timedelta(days=14)).isoformat(),
        **_lines(("Flight day", "1", "1200", "20"), ("Travel", "120", "0.45", "")),
        **extra,
    }
    return client.post("/app/invoices/new", data=data)


def _invoice():
    return db.session.execute(db.select(Invoice).order_by(Invoice.id.desc())).scalars().first()


def test_create_invoice(client, ctx):
    _org, customer = _setup(client)
    response = _create(client, customer, payment_url="https://pay.example/inv")
    assert response.status_code == 303
    invoice = _invoice()
    assert invoice.number == "INV-0001" and invoice.status == "draft"
    assert (invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor) == (125400, 24000, 149400)
    page = client.get(f"/app/invoices/{invoice.id}").text
    assert "€1,494.00" in page and "https://pay.example/inv" in page


def test_bad_invoice_input(client, ctx):
    _org, customer = _setup(client)
    bad_due = _create(client, customer, due_date=(date.today() - timedelta(days=1)).isoformat())
    assert bad_due.status_code == 422 and "cannot be before the issue date" in bad_due.text
    bad_url = _create(client, customer, payment_url="javascript:alert(1)")
    assert bad_url.status_code == 422 and "must start with https://" in bad_url.text
    negative = client.post(
        "/app/invoices/new",
        headers=HX,
        data={"client_id": customer.id, "issue_date": date.today().isoformat(), **_lines(("x", "-2", "10", ""))},
    )
    assert negative.status_code == 200 and "cannot be negative" in negative.text
    assert db.session.execute(db.select(db.func.count(Invoice.id))).scalar() == 0


def test_send_pay_and_illegal_transitions(client, ctx):
    _org, customer = _setup(client)
    _create(client, customer)
    invoice = _invoice()
    premature = client.post(f"/app/invoices/{invoice.id}/paid", headers=HX)
    assert premature.status_code == 200 and "cannot be marked paid" in premature.text
    sent = client.post(f"/app/invoices/{invoice.id}/send", headers=HX)
    assert sent.status_code == 200 and "<html" not in sent.text and "Invoice INV-0001 sent" in sent.text
    asked = client.post(f"/app/invoices/{invoice.id}/paid")
    assert asked.status_code == 200 and "Mark invoice INV-0001 paid? The client sees it as paid." in asked.text
    db.session.refresh(invoice)
    assert invoice.status == "sent"
    paid = client.post(f"/app/invoices/{invoice.id}/paid", data={"confirmed": "1"})
    assert paid.status_code == 303
    void = client.post(f"/app/invoices/{invoice.id}/void", headers=HX)
    assert "cannot be voided" in void.text
    db.session.refresh(invoice)
    assert invoice.status == "paid" and invoice.paid_at is not None
    assert client.post(f"/app/invoices/{invoice.id}/edit", data={}).status_code == 303
    db.session.refresh(invoice)
    assert invoice.total_minor == 149400


def test_overdue_shown_and_filtered(client, ctx):
    _org, customer = _setup(client)
    _create(
        client,
        customer,
        issue_date=(date.today() - timedelta(days=40)).isoformat(),
        due_date=(date.today() - timedelta(days=10)).isoformat(),
    )
    invoice = _invoice()
    client.post(f"/app/invoices/{invoice.id}/send")
    assert "Overdue" in client.get(f"/app/invoices/{invoice.id}").text
    overdue = client.get("/app/invoices?status=overdue", headers=HX)
    assert "INV-0001" in overdue.text and "<html" not in overdue.text
    assert "INV-0001" not in client.get("/app/invoices?status=sent").text


def test_pdf_contains_number_and_total(client, ctx, tmp_path):
    _org, customer = _setup(client)
    _create(client, customer)
    invoice = _invoice()
    response = client.get(f"/app/invoices/{invoice.id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert 'filename="INV-0001.pdf"' in response.headers["Content-Disposition"]
    path = tmp_path / "invoice.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "INV-0001" in text and "€1,494.00" in text and "Skyline Drones" in text and "Harbour Co" in text


def test_foreign_invoice_is_404(client, ctx, app):
    _setup(client)
    other = app.test_client()
    org2 = make_org()
    login(other, make_user(org2), org2)
    _create(other, make_client(org2))
    foreign = _invoice()
    for path in ("", "/pdf", "/edit"):
        assert client.get(f"/app/invoices/{foreign.id}{path}").status_code == 404
    assert client.post(f"/app/invoices/{foreign.id}/send").status_code == 404
    db.session.refresh(foreign)
    assert foreign.status == "draft"
