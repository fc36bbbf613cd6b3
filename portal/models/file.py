"""StoredFile: metadata of a file whose bytes live in storage."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow
from portal.models.deliverable import Deliverable

UPLOADED_BY_OPERATOR = "operator"
UPLOADED_BY_CLIENT = "client"


class StoredFile(db.Model):
    """A file of a project, optionally attached to a deliverable."""

    __tablename__ = "file"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    deliverable_id: Mapped[int | None] = mapped_column(ForeignKey("deliverable.id", ondelete="SET NULL"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    client_visible: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_by_type: Mapped[str] = mapped_column(String(10), default=UPLOADED_BY_OPERATOR)
    uploaded_by_label: Mapped[str | None] = mapped_column(String(254))
    uploaded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when a new version of its deliverable no longer lists it: kept for the earlier versions, out of the current.
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    deliverable: Mapped[Deliverable | None] = relationship()  # noqa: F821

    @property
    def is_image(self) -> bool:
        """Whether browsers can show this file as a picture."""
        return self.content_type in ("image/jpeg", "image/png", "image/webp", "image/gif")


def client_visible_file():
    """SQL condition: a file the client may see -- marked visible, and either loose in the project or part of a
    deliverable the operator shows (hiding or archiving a deliverable hides its files with it)."""
    shown = (
        db.select(Deliverable.id)
        .where(
            Deliverable.id == StoredFile.deliverable_id,
            Deliverable.client_visible.is_(True),
            Deliverable.archived_at.is_(None),
        )
        .exists()
    )
    return db.and_(StoredFile.client_visible.is_(True), db.or_(StoredFile.deliverable_id.is_(None), shown))


def current_shared_file(deliverable_id):
    """SQL condition: a file of the deliverable's current version (not superseded) marked visible to the client;
    ``deliverable_id`` is a value or a column (``Deliverable.id`` in a correlated subquery)."""
    return db.and_(
        StoredFile.deliverable_id == deliverable_id,
        StoredFile.client_visible.is_(True),
        StoredFile.superseded_at.is_(None),
    )
