"""Columns shared by proposals and invoices: the parties, the number and the totals in minor units."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from portal.models.base import Timestamps, UTCDateTime

DRAFT = "draft"
SENT = "sent"


class BillingDocumentColumns(Timestamps):
    """A priced document to a client, numbered per organization, drafted and then sent."""

    # A sent document past this date column's value shows as ``late_status`` (an overdue invoice, an expired proposal).
    deadline_column: ClassVar[str]
    late_status: ClassVar[str]

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        # A constraint object belongs to one table, so each document's table gets its own.
        return (UniqueConstraint("org_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="RESTRICT"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="SET NULL"), index=True)
    number: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal_minor: Mapped[int] = mapped_column(Integer, default=0)
    tax_minor: Mapped[int] = mapped_column(Integer, default=0)
    total_minor: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default=DRAFT)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def display_status(self, today: date) -> str:
        """The status to show: a sent document past its deadline is late, whatever its stored status says."""
        deadline = getattr(self, self.deadline_column)
        if self.status == SENT and deadline is not None and deadline < today:
            return self.late_status
        return self.status
