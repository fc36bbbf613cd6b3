"""Deliverable: something produced for a project that the client reviews."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import Timestamps, UTCDateTime

TYPES = ("photos", "video", "orthomosaic", "3d_model", "point_cloud", "inspection_report", "other")
TYPE_LABELS = {
    "photos": "Photos",
    "video": "Video",
    "orthomosaic": "Orthomosaic",
    "3d_model": "3D model",
    "point_cloud": "Point cloud",
    "inspection_report": "Inspection report",
    "other": "Other",
}
PLANNED = "planned"
IN_PROGRESS = "in_progress"
READY = "ready"
STATUSES = (PLANNED, IN_PROGRESS, READY)
STATUS_LABELS = {PLANNED: "Planned", IN_PROGRESS: "In progress", READY: "Ready for review"}

PENDING = "pending"
APPROVED = "approved"
REVISION_REQUESTED = "revision_requested"
REJECTED = "rejected"
APPROVAL_STATUSES = (PENDING, APPROVED, REVISION_REQUESTED, REJECTED)
APPROVAL_LABELS = {
    PENDING: "Awaiting review",
    APPROVED: "Approved",
    REVISION_REQUESTED: "Revision requested",
    REJECTED: "Rejected",
}

# The receipt of a decision on the current version (the Decision rows keep every decision): a new version clears it.
DECISION_RECEIPT = (
    "decided_by_email",
    "decided_by_name",
    "decided_at",
    "decision_reason",
    "decision_ip",
    "decision_user_agent",
    "decision_version",
    "decision_file_hashes",
)
# A deliverable awaiting the client's decision.
UNDECIDED = {"approval_status": PENDING, **dict.fromkeys(DECISION_RECEIPT)}


class Deliverable(Timestamps, db.Model):
    """A versioned output of a project with its client approval state."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    type: Mapped[str] = mapped_column(String(30), default="photos")
    format: Mapped[str | None] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default=PLANNED)
    client_visible: Mapped[bool] = mapped_column(Boolean, default=False)
    approval_status: Mapped[str] = mapped_column(String(20), default=PENDING)
    decided_by_email: Mapped[str | None] = mapped_column(String(254))
    decided_by_name: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decision_ip: Mapped[str | None] = mapped_column(String(45))
    decision_user_agent: Mapped[str | None] = mapped_column(String(400))
    decision_version: Mapped[int | None] = mapped_column(Integer)
    decision_file_hashes: Mapped[dict | None] = mapped_column(JSON)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    project: Mapped[Project] = relationship()  # noqa: F821

    @property
    def type_label(self) -> str:
        """Human-readable type."""
        return TYPE_LABELS.get(self.type, self.type)

    @property
    def status_label(self) -> str:
        """Human-readable production status."""
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def approval_label(self) -> str:
        """Human-readable approval state."""
        return APPROVAL_LABELS.get(self.approval_status, self.approval_status)

    @property
    def latest_decision(self):
        """The most recent Decision row on it (the certificate to offer), or None."""
        from portal.models.decision import Decision

        query = db.select(Decision).where(Decision.deliverable_id == self.id).order_by(Decision.id.desc()).limit(1)
        return db.session.execute(query).scalar_one_or_none()

    def can_be_decided(self, visible_files: int) -> bool:
        """Whether the client may decide on it now: shown, ready, undecided, with at least one visible file (the
        rule's SQL twin is portal.client.visibility.awaiting_review)."""
        return self.client_visible and self.status == READY and self.approval_status == PENDING and visible_files > 0

    def client_label(self, visible_files: int) -> str:
        """Its state as the client sees it: the decision once made, "Awaiting review" only when it can be decided."""
        if self.approval_status != PENDING or self.can_be_decided(visible_files):
            return self.approval_label
        return "Files coming soon" if self.status == READY else self.status_label
