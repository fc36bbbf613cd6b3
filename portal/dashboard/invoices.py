"""Dashboard: invoices."""

from __future__ import annotations

from datetime import date

from flask import Response, g, request, url_for

from portal.dashboard import bp
from portal.dashboard.billing_forms import InvoiceForm, fill_choices
from portal.dashboard.confirm import ask_first
from portal.dashboard.documents import submit_document
from portal.dashboard.guard import current_actor
from portal.dashboard.loaders import load
from portal.dashboard.paging import paginate, search_text
from portal.downloads import content_disposition
from portal.extensions import db
from portal.htmx import done, invalid, render
from portal.models import Client, Invoice
from portal.models.invoice import DRAFT, SENT, STATUS_LABELS, STATUSES, shown_status_condition
from portal.models.invoice import list_columns as invoice_columns
from portal.pdf import invoice_pdf
from portal.services import invoices as invoice_service
from portal.services.errors import ServiceError
from portal.services.search import matches

FORM = "dashboard/invoices/form.html"
SHOW = "dashboard/invoices/show.html"


def _fields(form: InvoiceForm, lines) -> dict:
    return {
        "client_id": form.client_id.data,
        "project_id": form.project_id.data or None,
        "issue_date": form.issue_date.data,
        "due_date": form.due_date.data,
        "notes": form.notes.data,
        "payment_url": form.payment_url.data,
        "lines": lines,
    }


def _show_context(invoice: Invoice, **overrides) -> dict:
    context = {
        "invoice": invoice,
        "client": db.session.get(Client, invoice.client_id),
        "status": invoice.display_status(date.today()),
        "status_labels": STATUS_LABELS,
        "action_error": None,
    }
    context.update(overrides)
    return context


@bp.get("/invoices")
def invoices_index():
    """List invoices a page at a time, filtered by status (overdue: sent, past due) and by number or client."""
    status = request.args.get("status", "")
    status = status if status in STATUSES else ""
    today = date.today()
    query = (
        db.select(*invoice_columns(), Client.name.label("client_name"))
        .join(Client, Client.id == Invoice.client_id)
        .where(Invoice.org_id == g.org.id)
        .order_by(Invoice.id.desc())
    )
    if status:
        query = query.where(shown_status_condition(status, today))
    search = search_text()
    if search:
        query = query.where(matches(search, Invoice.number, Client.name))
    page = paginate(query, "dashboard.invoices_index", {"q": search, "status": status})
    return render(
        "dashboard/invoices/index.html",
        "invoice_list",
        invoices=page.rows,
        page=page,
        search=search,
        status_filter=status,
        status_labels=STATUS_LABELS,
        today=today,
    )


@bp.route("/invoices/new", methods=["GET", "POST"])
def invoices_new():
    """Draft an invoice."""
    form = fill_choices(
        InvoiceForm(client_id=request.args.get("client_id", type=int), issue_date=date.today()), g.org.id
    )
    if form.is_submitted():
        return submit_document(
            form,
            FORM,
            {"form": form, "invoice": None},
            _fields,
            invoice_service.create_invoice,
            invoice_service.update_invoice,
            None,
            lambda saved: done(
                url_for("dashboard.invoices_show", invoice_id=saved.id), f"Invoice {saved.number} drafted."
            ),
        )
    return render(FORM, form=form, invoice=None)


@bp.get("/invoices/<int:invoice_id>")
def invoices_show(invoice_id: int):
    """An invoice with its lines, totals and actions."""
    invoice = load(Invoice, invoice_id)
    return render(SHOW, **_show_context(invoice))


@bp.route("/invoices/<int:invoice_id>/edit", methods=["GET", "POST"])
def invoices_edit(invoice_id: int):
    """Edit a draft invoice."""
    invoice = load(Invoice, invoice_id)
    if invoice.status != DRAFT:
        return done(url_for("dashboard.invoices_show", invoice_id=invoice.id), "Only a draft invoice can be edited.")
    form = fill_choices(InvoiceForm(obj=invoice), g.org.id, invoice.client_id, invoice.project_id)
    if form.is_submitted():
        return submit_document(
            form,
            FORM,
            {"form": form, "invoice": invoice},
            _fields,
            invoice_service.create_invoice,
            invoice_service.update_invoice,
            invoice,
            lambda _saved: done(url_for("dashboard.invoices_show", invoice_id=invoice.id), "Invoice saved."),
        )
    form.project_id.data = invoice.project_id or 0
    form.load_lines(invoice.lines, invoice.currency, g.org.locale)
    return render(FORM, form=form, invoice=invoice)


def _status_action(invoice: Invoice, action, message: str):
    try:
        action(invoice, current_actor())
    except ServiceError as exc:
        db.session.rollback()
        return invalid(SHOW, "status_card", **_show_context(invoice, action_error=exc.message))
    return done(
        url_for("dashboard.invoices_show", invoice_id=invoice.id),
        message,
        template=SHOW,
        block="status_card",
        **_show_context(invoice),
    )


@bp.post("/invoices/<int:invoice_id>/send")
def invoices_send(invoice_id: int):
    """Send a draft invoice to the client."""
    invoice = load(Invoice, invoice_id)
    return _status_action(invoice, invoice_service.send_invoice, f"Invoice {invoice.number} sent.")


@bp.post("/invoices/<int:invoice_id>/paid")
def invoices_paid(invoice_id: int):
    """Record that the invoice was paid."""
    invoice = load(Invoice, invoice_id)
    question = f"Mark invoice {invoice.number} paid? The client sees it as paid."
    back = url_for("dashboard.invoices_show", invoice_id=invoice.id)
    if invoice.status == SENT and (asked := ask_first(question, back=back, label="Mark paid")) is not None:
        return asked
    return _status_action(invoice, invoice_service.mark_paid, f"Invoice {invoice.number} marked paid.")


@bp.post("/invoices/<int:invoice_id>/void")
def invoices_void(invoice_id: int):
    """Void an unpaid invoice."""
    invoice = load(Invoice, invoice_id)
    return _status_action(invoice, invoice_service.void_invoice, f"Invoice {invoice.number} voided.")


@bp.get("/invoices/<int:invoice_id>/pdf")
def invoices_pdf(invoice_id: int):
    """Download the invoice as a PDF."""
    invoice = load(Invoice, invoice_id)
    data = invoice_pdf(invoice, g.org, db.session.get(Client, invoice.client_id))
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(f"{invoice.number}.pdf", inline=False)
    return response
