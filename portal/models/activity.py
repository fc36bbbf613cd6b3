"""Activity: the append-only timeline and audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow

ACTOR_OPERATOR = "operator"
ACTOR_CLIENT = "client"
ACTOR_SYSTEM = "system"


class Activity(db.Model):
    """Something that happened: who did what to which object, from where."""

    __table_args__ = (
        Index("ix_activity_org_at", "org_id", "at"),
        Index("ix_activity_project_at", "project_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    actor_type: Mapped[str] = mapped_column(String(10))
    actor_label: Mapped[str] = mapped_column(String(254))
    verb: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str | None] = mapped_column(String(30))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(String(300))
    details: Mapped[dict | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(400))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
