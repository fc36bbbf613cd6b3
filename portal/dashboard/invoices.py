"""Dashboard: invoices."""

from __future__ import annotations

from datetime import date

from flask import g, request

from portal.dashboard import bp
from portal.dashboard.billing_forms import InvoiceForm, fill_choices
from portal.dashboard.confirm import ask_first
from portal.dashboard.documents import DocumentPages
from portal.dashboard.guard import current_actor
from portal.dashboard.loaders import load
from portal.models import Client, Invoice
from portal.models.invoice import SENT, STATUS_LABELS, shown_status_condition
from portal.models.invoice import list_columns as invoice_columns
from portal.services import invoices as invoice_service

PAGES = DocumentPages(
    drafts=invoice_service.DRAFTS,
    form_class=InvoiceForm,
    status_labels=STATUS_LABELS,
    status_condition=shown_status_condition,
)
PAGES.add_routes(bp)


@bp.get("/invoices")
def invoices_index():
    """List invoices a page at a time, filtered by status (overdue: sent, past due) and by number or client."""
    return PAGES.list_page(PAGES.list_query(invoice_columns()), (Invoice.number, Client.name))


@bp.route("/invoices/new", methods=["GET", "POST"])
def invoices_new():
    """Draft an invoice."""
    form = InvoiceForm(client_id=request.args.get("client_id", type=int), issue_date=date.today())
    return PAGES.new(fill_choices(form, g.org.id))


def _status_action(invoice: Invoice, action, message: str):
    return PAGES.status_action(invoice, lambda: action(invoice, current_actor()), message.format(number=invoice.number))


@bp.post("/invoices/<int:invoice_id>/send")
def invoices_send(invoice_id: int):
    """Send a draft invoice to the client."""
    return _status_action(load(Invoice, invoice_id), invoice_service.send_invoice, "Invoice {number} sent.")


@bp.post("/invoices/<int:invoice_id>/paid")
def invoices_paid(invoice_id: int):
    """Record that the invoice was paid."""
    invoice = load(Invoice, invoice_id)
    question = f"Mark invoice {invoice.number} paid? The client sees it as paid."
    back = PAGES.url("show", invoice)
    if invoice.status == SENT and (asked := ask_first(question, back=back, label="Mark paid")) is not None:
        return asked
    return _status_action(invoice, invoice_service.mark_paid, "Invoice {number} marked paid.")


@bp.post("/invoices/<int:invoice_id>/void")
def invoices_void(invoice_id: int):
    """Void an unpaid invoice."""
    return _status_action(load(Invoice, invoice_id), invoice_service.void_invoice, "Invoice {number} voided.")
