"""Bundle: a deliverable's files as one stored ZIP, built once per file set by a worker job."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import Timestamps, UTCDateTime, utcnow

BUILDING = "building"
READY = "ready"
FAILED = "failed"
STATUSES = (BUILDING, READY, FAILED)
STATUS_LABELS = {BUILDING: "Preparing", READY: "Ready", FAILED: "Failed"}


class Bundle(Timestamps, db.Model):
    """The ZIP of one set of a deliverable's files; ``fingerprint`` names that set, so a changed set is a new bundle."""

    __tablename__ = "bundle"
    __table_args__ = (UniqueConstraint("deliverable_id", "fingerprint", name="uq_bundle_deliverable_fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    deliverable_id: Mapped[int] = mapped_column(ForeignKey("deliverable.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64))
    file_ids: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default=BUILDING)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    error: Mapped[str | None] = mapped_column(String(400))
    # Set by the worker that builds it; a claim older than the job's time limit belongs to a dead worker.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def status_label(self) -> str:
        """The state as shown on the page."""
        return STATUS_LABELS.get(self.status, self.status)


class BundleRequest(db.Model):
    """Someone who asked for a bundle: told by email when it is ready unless they downloaded it first.

    One row per person (append-only, unique), so two tabs asking at once never overwrite each other."""

    __tablename__ = "bundle_request"
    __table_args__ = (UniqueConstraint("bundle_id", "email", name="uq_bundle_request_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("bundle.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    # The client's side gets the portal link in the email; an operator gets the dashboard's.
    audience: Mapped[str] = mapped_column(String(10))
    downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
