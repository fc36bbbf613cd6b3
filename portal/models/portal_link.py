"""PortalLink: a client's secure way into the portal (used by the portal issues)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow

# What the operator's list shows of a link (derived, not stored).
ACTIVE = "active"
EXPIRED = "expired"
REVOKED = "revoked"
LOCKED = "locked"


class PortalLink(db.Model):
    """A link for one client email to one project, or to all of a client's projects."""

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    client_email: Mapped[str] = mapped_column(String(254), index=True)
    client_name: Mapped[str | None] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_nonce: Mapped[str] = mapped_column(String(64))
    access_code_hash: Mapped[str | None] = mapped_column(String(255))
    access_code_version: Mapped[int] = mapped_column(Integer, default=0)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    code_locked: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notify_email: Mapped[bool] = mapped_column(Boolean, default=True)
    require_email_verification: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_uploads: Mapped[bool] = mapped_column(Boolean, default=False)
    access_count: Mapped[int] = mapped_column(Integer, default=0)
    last_accessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def is_active(self, now: datetime) -> bool:
        """A link works until it is revoked or expires."""
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or now < self.expires_at


def active_link_condition(now: datetime):
    """SQL condition: a link that is neither revoked nor expired."""
    return db.and_(
        PortalLink.revoked_at.is_(None), db.or_(PortalLink.expires_at.is_(None), PortalLink.expires_at > now)
    )
