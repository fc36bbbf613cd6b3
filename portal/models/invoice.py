"""Invoice and InvoiceLine: what a client owes, numbered per organization."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime
from portal.models.billing_document import DRAFT, SENT, BillingDocumentColumns
from portal.models.line_item import LineItemColumns

PAID = "paid"
OVERDUE = "overdue"
VOID = "void"
STATUSES = (DRAFT, SENT, PAID, OVERDUE, VOID)
STATUS_LABELS = {DRAFT: "Draft", SENT: "Sent", PAID: "Paid", OVERDUE: "Overdue", VOID: "Void"}


class Invoice(BillingDocumentColumns, db.Model):
    """A bill to a client; ``overdue`` is shown for a sent invoice past its due date."""

    deadline_column = "due_date"
    late_status = OVERDUE

    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    payment_url: Mapped[str | None] = mapped_column(String(500))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    client: Mapped[Client] = relationship()  # noqa: F821
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="InvoiceLine.position"
    )


class InvoiceLine(LineItemColumns, db.Model):
    """One priced line of an invoice."""

    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    invoice: Mapped[Invoice] = relationship(back_populates="lines")


def shown_status_condition(status: str, today: date):
    """The SQL condition for invoices whose shown status (see ``Invoice.display_status``) is ``status``."""
    if status == OVERDUE:
        return db.and_(Invoice.status == SENT, Invoice.due_date < today)
    if status == SENT:
        return db.and_(Invoice.status == SENT, db.or_(Invoice.due_date.is_(None), Invoice.due_date >= today))
    return Invoice.status == status


def list_columns() -> tuple:
    """What a list of invoices shows, on either side."""
    return (
        Invoice.id,
        Invoice.number,
        Invoice.status,
        Invoice.total_minor,
        Invoice.currency,
        Invoice.issue_date,
        Invoice.due_date,
    )
