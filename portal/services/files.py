"""Project files (stub: the files work replaces this)."""
from __future__ import annotations

from portal.extensions import db
from portal.models import StoredFile


def list_project_files(project_id: int) -> list[StoredFile]:
    """A project's files, newest first."""
    return list(db.session.execute(
        db.select(StoredFile).where(StoredFile.project_id == project_id).order_by(StoredFile.created_at.desc())
    ).scalars())
