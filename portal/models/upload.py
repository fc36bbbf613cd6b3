"""Upload: a file sent to storage in parts, from its creation until it is checked and becomes a StoredFile."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow
from portal.models.file import UPLOADED_BY_OPERATOR

UPLOADING = "uploading"
PROCESSING = "processing"
READY = "ready"
FAILED = "failed"
ABORTED = "aborted"
STATUS_LABELS = {
    UPLOADING: "Uploading",
    PROCESSING: "Processing",
    READY: "Ready",
    FAILED: "Failed",
    ABORTED: "Cancelled",
}


class Upload(db.Model):
    """A multipart upload of one file to a project; ``public_id`` is the only id browsers see."""

    __tablename__ = "upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(43), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    deliverable_id: Mapped[int | None] = mapped_column(ForeignKey("deliverable.id", ondelete="SET NULL"))
    file_id: Mapped[int | None] = mapped_column(ForeignKey("file.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    extension: Mapped[str] = mapped_column(String(10), default="")
    size: Mapped[int] = mapped_column(BigInteger)
    part_size: Mapped[int] = mapped_column(BigInteger)
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    backend_upload_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(12), default=UPLOADING, index=True)
    error: Mapped[str | None] = mapped_column(String(400))
    client_visible: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_by_type: Mapped[str] = mapped_column(String(10), default=UPLOADED_BY_OPERATOR)
    uploaded_by_label: Mapped[str | None] = mapped_column(String(254))
    uploaded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    parts_completed: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def status_label(self) -> str:
        """The state as shown on the page."""
        return STATUS_LABELS.get(self.status, self.status)
