"""ClientSession: a portal session of one device, kept on the server so that it can be ended there."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow

# A session is refused after this long, however active: the device must enter again through its link.
MAX_AGE_SECONDS = 7 * 24 * 3600


class ClientSession(db.Model):
    """One device's session in one organization: the cookie holds its id and a secret, the database its hash."""

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("portal_link.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    secret_hash: Mapped[str] = mapped_column(String(64))
    code_version: Mapped[int] = mapped_column(Integer, default=0)
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ClientSessionUnlock(db.Model):
    """A link unlocked in a session (opened, with its code where it has one), at the code version entered."""

    session_id: Mapped[int] = mapped_column(ForeignKey("client_session.id", ondelete="CASCADE"), primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("portal_link.id", ondelete="CASCADE"), primary_key=True, index=True)
    code_version: Mapped[int] = mapped_column(Integer, default=0)
