"""Invoices: drafted with lines, sent, paid or voided."""

from __future__ import annotations

from datetime import UTC, datetime

from portal.models import Invoice, InvoiceLine, Proposal
from portal.models.invoice import DRAFT, PAID, SENT, STATUS_LABELS, VOID
from portal.outbox import commit_and_dispatch
from portal.outbox.kinds.billing import InvoiceSent
from portal.services import billing
from portal.services.activity import Actor, record
from portal.services.errors import ServiceError


def _fill(invoice: Invoice, *, issue_date, due_date, notes, payment_url) -> None:
    if issue_date is None:
        raise ServiceError("Enter the issue date.", "issue_date")
    if due_date is not None and due_date < issue_date:
        raise ServiceError("The due date cannot be before the issue date.", "due_date")
    payment_url = (payment_url or "").strip() or None
    if payment_url and not payment_url.lower().startswith(("https://", "http://")):
        raise ServiceError("The payment link must start with https://.", "payment_url")
    invoice.issue_date, invoice.due_date = issue_date, due_date
    invoice.notes = (notes or "").strip() or None
    invoice.payment_url = payment_url


# Drafting and editing: DRAFTS.create(org, actor, **fields) and DRAFTS.update(invoice, org, actor, **fields).
DRAFTS = billing.Drafts(Invoice, InvoiceLine, "invoice", _fill, first_field="notes")


def lines_from_proposal(proposal: Proposal) -> list[billing.LineInput]:
    """An accepted proposal's lines, to start an invoice from."""
    return [
        billing.LineInput(line.description, line.quantity, line.unit_price_minor, line.tax_rate_bp)
        for line in proposal.lines
    ]


def _move(invoice: Invoice, actor: Actor, allowed: tuple[str, ...], target: str, verb: str) -> Invoice:
    if invoice.status not in allowed or not billing.hold_status(invoice, allowed):
        raise ServiceError(f"A {STATUS_LABELS[invoice.status].lower()} invoice cannot be {verb}.", "status")
    now = datetime.now(UTC)
    invoice.status = target
    if target == SENT:
        invoice.sent_at = now
    elif target == PAID:
        invoice.paid_at = now
    elif target == VOID:
        invoice.voided_at = now
    record(actor, f"invoice.{target}", f"{actor.label} {verb} invoice {invoice.number}", subject=invoice)
    commit_and_dispatch(InvoiceSent.queue(invoice) if target == SENT else [])
    return invoice


def send_invoice(invoice: Invoice, actor: Actor) -> Invoice:
    """Send a draft invoice to the client."""
    return _move(invoice, actor, (DRAFT,), SENT, "sent")


def mark_paid(invoice: Invoice, actor: Actor) -> Invoice:
    """Record that a sent invoice was paid."""
    return _move(invoice, actor, (SENT,), PAID, "marked paid")


def void_invoice(invoice: Invoice, actor: Actor) -> Invoice:
    """Void a draft or sent (unpaid) invoice."""
    return _move(invoice, actor, (DRAFT, SENT), VOID, "voided")
