"""A file's media row: pending when the file is made, claimed by one worker, then ready or failed; removed with
its derived objects when the file goes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, exists, or_, select, update

from portal.extensions import db
from portal.models import FileMedia, StoredFile
from portal.models.media import FAILED, IN_PROGRESS, PENDING, PROCESSING, READY
from portal.previews import kind_for

GENERIC_FAILURE = "No preview could be made of this file. The original is unchanged and can still be downloaded."


def pending_kind(content_type: str | None) -> str | None:
    """The kind a new file of this type is recorded as until its previews say more (None: no previews)."""
    kind = kind_for(content_type or "")
    if kind is None:
        return None
    return kind.pending_kind or kind.name


def row_columns() -> tuple:
    """Columns for a file list joined to FileMedia: previews still coming, failed (with why), thumbnail ready."""
    return (
        FileMedia.status.in_(IN_PROGRESS).label("media_processing"),
        FileMedia.error.label("media_error"),
        ((FileMedia.status == READY) & FileMedia.thumb_key.is_not(None)).label("media_thumb"),
    )


def add_pending(files: list[StoredFile]) -> list[int]:
    """Add a pending media row for each previewable file, in the caller's transaction; returns their ids."""
    ids = []
    for file in files:
        kind = pending_kind(file.content_type)
        if kind is not None:
            db.session.add(FileMedia(file_id=file.id, kind=kind, status=PENDING))
            ids.append(file.id)
    return ids


def queue_previews(file_ids: list[int]) -> None:
    """After commit: hand new files to the preview job the app registers; never raises."""
    hook = current_app.extensions.get("media.previews")
    if not file_ids or hook is None:
        return
    try:
        hook(file_ids)
    except Exception:
        current_app.logger.exception("could not queue previews of files %s", file_ids)


@dataclass(frozen=True)
class Claimed:
    """What the preview job needs of a file it claimed."""

    file_id: int
    storage_key: str
    content_type: str


def _stale_before() -> datetime:
    return datetime.now(UTC) - timedelta(seconds=current_app.config.get("PREVIEW_JOB_TIMEOUT", 3600) + 60)


def claim(file_id: int) -> Claimed | None:
    """Take a pending file (or one whose worker died) for this worker, and commit; None when it is not ours."""
    now = datetime.now(UTC)
    result = db.session.execute(
        update(FileMedia)
        .where(
            FileMedia.file_id == file_id,
            or_(
                FileMedia.status == PENDING,
                (FileMedia.status == PROCESSING) & (FileMedia.updated_at < _stale_before()),
            ),
        )
        .values(status=PROCESSING, updated_at=now, error=None)
        .execution_options(synchronize_session=False)
    )
    row = None
    if result.rowcount == 1:
        row = db.session.execute(
            select(StoredFile.storage_key, StoredFile.content_type).where(StoredFile.id == file_id)
        ).first()
    db.session.commit()
    return Claimed(file_id, row.storage_key, row.content_type) if row else None


def finish(file_id: int, values: dict[str, Any]) -> bool:
    """Record a claimed file's previews as ready; False when the file was deleted or reclaimed meanwhile."""
    return _settle(file_id, {**values, "status": READY, "error": None})


def fail(file_id: int, message: str) -> bool:
    """Record why a claimed file got no previews; False when the file was deleted or reclaimed meanwhile."""
    return _settle(file_id, {"status": FAILED, "error": (message or GENERIC_FAILURE)[:400]})


def _settle(file_id: int, values: dict[str, Any]) -> bool:
    result = db.session.execute(
        update(FileMedia)
        .where(FileMedia.file_id == file_id, FileMedia.status == PROCESSING)
        .values(**values, updated_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def take_derived_keys(*, file_ids: list[int] | None = None, project_id: int | None = None) -> list[str]:
    """Delete the media rows of these files (or of a project's files) in the caller's transaction and return the
    keys of their derived objects, to remove after the commit; a job finishing later finds no row and cleans up."""
    if file_ids is not None:
        condition = FileMedia.file_id.in_(file_ids)
    else:
        condition = FileMedia.file_id.in_(select(StoredFile.id).where(StoredFile.project_id == project_id))
    rows = db.session.scalars(
        delete(FileMedia).where(condition).returning(FileMedia).execution_options(synchronize_session=False)
    ).all()
    return [key for row in rows for key in row.derived_keys()]


def backlog(retry_failed: bool = False) -> list[int]:
    """Files whose previews are due: pending ones, stale claims, previewable files without a row (made before
    previews existed) and, when asked, failed ones; rows are added or reset and committed."""
    no_row = db.session.execute(
        select(StoredFile.id, StoredFile.content_type).where(~exists().where(FileMedia.file_id == StoredFile.id))
    ).all()
    for file_id, content_type in no_row:
        kind = pending_kind(content_type)
        if kind is not None:
            db.session.add(FileMedia(file_id=file_id, kind=kind, status=PENDING))
    if retry_failed:
        db.session.execute(
            update(FileMedia)
            .where(FileMedia.status == FAILED)
            .values(status=PENDING, error=None, updated_at=datetime.now(UTC))
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    due = or_(
        FileMedia.status == PENDING,
        (FileMedia.status == PROCESSING) & (FileMedia.updated_at < _stale_before()),
    )
    return list(db.session.scalars(select(FileMedia.file_id).where(due).order_by(FileMedia.file_id)))
