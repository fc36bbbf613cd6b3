"""Project message threads (stub: the messages work replaces this)."""
from __future__ import annotations

from portal.extensions import db
from portal.models import Message


def project_thread(project_id: int, limit: int = 200) -> list[Message]:
    """The latest messages of a project's thread, oldest first."""
    rows = db.session.execute(
        db.select(Message).where(Message.project_id == project_id)
        .order_by(Message.created_at.desc(), Message.id.desc()).limit(limit)
    ).scalars().all()
    return list(reversed(rows))
