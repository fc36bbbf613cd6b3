"""Decision: the append-only record of one client decision on one version, the source of its certificate."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


def new_public_id() -> str:
    """An unguessable id for the certificate's verification address (128 random bits)."""
    return secrets.token_urlsafe(16)


class Decision(db.Model):
    """Who decided what on which version, when, from where, and the files as reviewed; never updated."""

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    deliverable_id: Mapped[int] = mapped_column(ForeignKey("deliverable.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    time_zone: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(400))
    # [{"name", "size", "sha256", "capture": {...} | None}] as the client saw them.
    files: Mapped[list] = mapped_column(JSON, default=list)

    deliverable: Mapped[Deliverable] = relationship()  # noqa: F821
