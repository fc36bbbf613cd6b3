"""Proposal and ProposalLine: a priced offer a client accepts or declines."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime
from portal.models.billing_document import DRAFT, SENT, BillingDocumentColumns
from portal.models.line_item import LineItemColumns

ACCEPTED = "accepted"
DECLINED = "declined"
EXPIRED = "expired"
STATUSES = (DRAFT, SENT, ACCEPTED, DECLINED, EXPIRED)
STATUS_LABELS = {DRAFT: "Draft", SENT: "Sent", ACCEPTED: "Accepted", DECLINED: "Declined", EXPIRED: "Expired"}


class Proposal(BillingDocumentColumns, db.Model):
    """An offer to a client, numbered per organization; ``expired`` is shown for a sent one past its validity."""

    deadline_column = "valid_until"
    late_status = EXPIRED

    title: Mapped[str] = mapped_column(String(160))
    intro: Mapped[str | None] = mapped_column(Text)
    terms: Mapped[str | None] = mapped_column(Text)
    valid_until: Mapped[date | None] = mapped_column(Date)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_name: Mapped[str | None] = mapped_column(String(160))
    decision_ip: Mapped[str | None] = mapped_column(String(45))
    # Set when an operator recorded the answer on the dashboard (given on paper, by phone): who recorded it.
    decision_recorded_by: Mapped[str | None] = mapped_column(String(254))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    client: Mapped[Client] = relationship()  # noqa: F821
    lines: Mapped[list[ProposalLine]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="ProposalLine.position"
    )

    @property
    def status_label(self) -> str:
        """Human-readable status."""
        return STATUS_LABELS[self.status]


class ProposalLine(LineItemColumns, db.Model):
    """One priced line of a proposal."""

    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    proposal: Mapped[Proposal] = relationship(back_populates="lines")


def list_columns() -> tuple:
    """What a list of proposals shows, on either side."""
    return (
        Proposal.id,
        Proposal.number,
        Proposal.title,
        Proposal.status,
        Proposal.total_minor,
        Proposal.currency,
        Proposal.valid_until,
    )
