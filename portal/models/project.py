"""Project: a job for a client, with its status machine and the client-facing phases."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import Timestamps, UTCDateTime

DRAFT = "draft"
CONFIRMED = "confirmed"
SCHEDULED = "scheduled"
IN_PROGRESS = "in_progress"
DELIVERED = "delivered"
INVOICED = "invoiced"
COMPLETED = "completed"
ON_HOLD = "on_hold"
CANCELLED = "cancelled"

STATUSES = (DRAFT, CONFIRMED, SCHEDULED, IN_PROGRESS, DELIVERED, INVOICED, COMPLETED, ON_HOLD, CANCELLED)
STATUS_LABELS = {
    DRAFT: "Draft",
    CONFIRMED: "Confirmed",
    SCHEDULED: "Scheduled",
    IN_PROGRESS: "In progress",
    DELIVERED: "Delivered",
    INVOICED: "Invoiced",
    COMPLETED: "Completed",
    ON_HOLD: "On hold",
    CANCELLED: "Cancelled",
}
ACTIVE_STATUSES = (DRAFT, CONFIRMED, SCHEDULED, IN_PROGRESS, DELIVERED, INVOICED)
_FORWARD = {
    DRAFT: CONFIRMED,
    CONFIRMED: SCHEDULED,
    SCHEDULED: IN_PROGRESS,
    IN_PROGRESS: DELIVERED,
    DELIVERED: INVOICED,
    INVOICED: COMPLETED,
}
_CANCELLABLE = (DRAFT, CONFIRMED, SCHEDULED, ON_HOLD)

# The client sees five phases; on hold shows the phase the project was in.
PHASES = ("Planning", "Scheduled", "In the field", "Review", "Complete")
PHASE_OF_STATUS = {
    DRAFT: 0,
    CONFIRMED: 0,
    SCHEDULED: 1,
    IN_PROGRESS: 2,
    DELIVERED: 3,
    INVOICED: 4,
    COMPLETED: 4,
}

PROJECT_TYPES = (
    "Aerial photography",
    "Aerial video",
    "Mapping / survey",
    "Inspection",
    "Real estate",
    "Event",
    "Other",
)


def allowed_transitions(status: str, held_from: str | None = None) -> tuple[str, ...]:
    """Return the statuses a project in ``status`` may move to (the one place the rule lives)."""
    targets: list[str] = []
    if status in _FORWARD:
        targets.append(_FORWARD[status])
    if status in ACTIVE_STATUSES:
        targets.append(ON_HOLD)
    if status == ON_HOLD and held_from in ACTIVE_STATUSES:
        targets.append(held_from)
    if status in _CANCELLABLE:
        targets.append(CANCELLED)
    return tuple(targets)


def phase_index(status: str, held_from: str | None = None) -> int | None:
    """Return the client phase (0–4) for a status, or None for a cancelled project."""
    if status == ON_HOLD:
        return PHASE_OF_STATUS.get(held_from or DRAFT, 0)
    return PHASE_OF_STATUS.get(status)


class Project(Timestamps, db.Model):
    """A piece of work for one client, moving through the status machine above."""

    __table_args__ = (Index("ix_project_org_status", "org_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    type: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    held_from: Mapped[str | None] = mapped_column(String(20))
    hold_reason: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    location: Mapped[str | None] = mapped_column(String(200))
    # The site's position on the map (WGS 84 degrees), beside the free-text location.
    site_lat: Mapped[float | None] = mapped_column(Float)
    site_lon: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str | None] = mapped_column(Text)
    client_portal_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    client: Mapped[Client] = relationship()  # noqa: F821

    @property
    def status_label(self) -> str:
        """Human-readable status."""
        return STATUS_LABELS[self.status]

    @property
    def next_statuses(self) -> tuple[str, ...]:
        """Statuses this project may move to now."""
        return allowed_transitions(self.status, self.held_from)
