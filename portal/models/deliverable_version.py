"""DeliverableVersion: one numbered state of a deliverable and the files it lists."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class DeliverableVersion(db.Model):
    """Version ``number`` of a deliverable; the unique pair makes two simultaneous "version n+1" impossible."""

    __tablename__ = "deliverable_version"
    __table_args__ = (UniqueConstraint("deliverable_id", "number", name="uq_deliverable_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deliverable_id: Mapped[int] = mapped_column(ForeignKey("deliverable.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    files: Mapped[list[VersionFile]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="VersionFile.file_id"
    )


class VersionFile(db.Model):
    """A file listed by a version; the file itself is shared by every version that keeps it."""

    __tablename__ = "version_file"

    version_id: Mapped[int] = mapped_column(ForeignKey("deliverable_version.id", ondelete="CASCADE"), primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("file.id", ondelete="CASCADE"), primary_key=True, index=True)

    version: Mapped[DeliverableVersion] = relationship(back_populates="files")
    file: Mapped[StoredFile] = relationship()  # noqa: F821
