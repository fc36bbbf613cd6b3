"""WorkerHeartbeat: what each running worker process last said about itself, for /healthz."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow

WORKING = "ok"
WAITING_FOR_REDIS = "waiting for Redis"


class WorkerHeartbeat(db.Model):
    """One worker process (host and pid), refreshed by its sweeper on every run."""

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    status: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
