"""Deliverable versions: "upload a new version" (one winner per number) and the history both sides read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import BinaryIO

from sqlalchemy import update

from portal.extensions import db
from portal.models import Decision, Deliverable, DeliverableVersion, Project, StoredFile, VersionFile
from portal.models.deliverable import UNDECIDED
from portal.outbox import commit_and_dispatch
from portal.outbox.kinds.deliverables import DeliverableReady
from portal.services import bundles, media
from portal.services.activity import Actor, record
from portal.services.archive import remove_stored
from portal.services.errors import ServiceError
from portal.services.files import save_file
from portal.uploads import UploadRejected, check_upload

KEEP, REMOVE, REPLACE = "keep", "remove", "replace"
MAX_NOTE = 2000


class VersionConflict(ServiceError):
    """Another version was made since the form was shown."""


@dataclass
class VersionView:
    """One version as both sides read it: its files and what changed from the one before."""

    number: int
    created_at: datetime
    created_by: str | None
    note: str | None
    files: list = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    decisions: list = field(default_factory=list)
    current: bool = False

    @property
    def new_names(self) -> set[str]:
        """The names of files this version added or replaced (the client's "new" markers)."""
        return set(self.added) | set(self.replaced)


def current_files(deliverable_id: int) -> list[StoredFile]:
    """The files of the deliverable's current version."""
    return list(
        db.session.execute(
            db.select(StoredFile)
            .where(StoredFile.deliverable_id == deliverable_id, StoredFile.superseded_at.is_(None))
            .order_by(StoredFile.id)
        ).scalars()
    )


def _version_row(deliverable: Deliverable, number: int) -> DeliverableVersion:
    row = db.session.execute(
        db.select(DeliverableVersion).where(
            DeliverableVersion.deliverable_id == deliverable.id, DeliverableVersion.number == number
        )
    ).scalar_one_or_none()
    if row is None:
        row = DeliverableVersion(deliverable_id=deliverable.id, number=number, created_at=deliverable.created_at)
        db.session.add(row)
        db.session.flush()
    return row


def new_version(
    deliverable: Deliverable,
    actor: Actor,
    *,
    expected: int,
    actions: dict[int, str],
    replacements: dict[int, tuple[str | None, BinaryIO]],
    additions: list[tuple[str | None, BinaryIO]],
    note: str | None = None,
) -> DeliverableVersion:
    """Make version n+1 from the current files (each kept, removed or replaced) plus added ones, and reopen review;
    of two operators sending it at once, one wins (a conditional update on the version number)."""
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise ServiceError(f"Keep the note under {MAX_NOTE:,} characters.", "note")
    if expected != deliverable.version:
        raise VersionConflict(f"Version {deliverable.version} was sent since you opened this form.", "files")
    files = current_files(deliverable.id)
    by_id = {f.id: f for f in files}
    if set(actions) - set(by_id) or set(replacements) - set(by_id):
        raise ServiceError("Choose only files of this deliverable.", "files")
    for file_id, action in actions.items():
        if action not in (KEEP, REMOVE, REPLACE):
            raise ServiceError("Choose keep, replace or remove for each file.", "files")
        if action == REPLACE and file_id not in replacements:
            raise ServiceError(f"Choose the file that replaces {by_id[file_id].filename}.", "files")
    for file_id in replacements:
        actions[file_id] = REPLACE
    kept = [f for f in files if actions.get(f.id, KEEP) == KEEP]
    gone = [f for f in files if actions.get(f.id, KEEP) != KEEP]
    if not (gone or additions):
        raise ServiceError("Replace, remove or add at least one file: the new version must differ.", "files")
    if not (kept or replacements or additions):
        raise ServiceError("A version needs at least one file.", "files")
    try:
        checked = [(check_upload(name, stream), stream, None) for name, stream in additions]
        checked += [(check_upload(name, stream), stream, by_id[fid]) for fid, (name, stream) in replacements.items()]
    except UploadRejected as exc:
        raise ServiceError(str(exc), "files") from exc
    project = db.session.get(Project, deliverable.project_id)
    number, now = deliverable.version + 1, datetime.now(UTC)
    saved_keys: list[str] = []
    try:
        # The WHERE clause is the whole check: of two simultaneous new versions (or a decision racing one),
        # only one row update on this version number succeeds.
        result = db.session.execute(
            update(Deliverable)
            .where(Deliverable.id == deliverable.id, Deliverable.version == expected)
            .values(version=number, updated_at=now, **UNDECIDED)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise VersionConflict(f"Someone else sent version {number} first: reload to see it.", "files")
        previous = _version_row(deliverable, expected)
        listed = {row.file_id for row in previous.files}
        previous.files.extend(VersionFile(file_id=f.id) for f in files if f.id not in listed)
        version = DeliverableVersion(deliverable_id=deliverable.id, number=number, note=note, created_by=actor.label)
        db.session.add(version)
        added = []
        for upload, stream, replaced in checked:
            file = save_file(
                project,
                actor,
                upload,
                stream,
                deliverable_id=deliverable.id,
                client_visible=replaced.client_visible if replaced else True,
            )
            saved_keys.append(file.storage_key)
            added.append(file)
        db.session.add_all(added)
        for f in gone:
            f.superseded_at = now
        db.session.flush()
        version.files.extend(VersionFile(file_id=f.id) for f in kept + added)
        record(
            actor,
            "deliverable.new_version",
            f"{actor.label} sent version {number} of {deliverable.title}",
            subject=deliverable,
            org_id=project.org_id,
            details={"from": expected, "to": number, "added": [f.filename for f in added]},
        )
        previews = media.add_pending(added)
        stale = bundles.invalidate(deliverable.id)
        db.session.flush()
        db.session.refresh(deliverable)
        commit_and_dispatch(DeliverableReady.queue(deliverable))
        # Both never raise: a failure only leaves a preview to backfill or an orphaned ZIP, logged.
        bundles.remove_objects(stale)
        media.queue_previews(previews)
    except BaseException:
        db.session.rollback()
        remove_stored(saved_keys)
        raise
    return version


def bump(deliverable: Deliverable, actor: Actor, number: int) -> None:
    """Record a raised version number (the edit form) as a version listing the same files, one winner per number
    (a conditional update); the caller commits."""
    result = db.session.execute(
        update(Deliverable)
        .where(Deliverable.id == deliverable.id, Deliverable.version == deliverable.version)
        .values(version=number)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise VersionConflict("Another version was sent since you opened this form: reload it.", "version")
    files = current_files(deliverable.id)
    previous = _version_row(deliverable, deliverable.version)
    listed = {row.file_id for row in previous.files}
    previous.files.extend(VersionFile(file_id=f.id) for f in files if f.id not in listed)
    version = DeliverableVersion(deliverable_id=deliverable.id, number=number, created_by=actor.label)
    version.files.extend(VersionFile(file_id=f.id) for f in files)
    db.session.add(version)


def new_file_ids(project_id: int) -> set[int]:
    """The files of the project's deliverables at version 2 or later that their previous version did not list (the
    client's "new" markers)."""
    previous = (
        db.select(VersionFile.file_id)
        .join(DeliverableVersion, DeliverableVersion.id == VersionFile.version_id)
        .where(
            DeliverableVersion.deliverable_id == Deliverable.id,
            DeliverableVersion.number == Deliverable.version - 1,
            VersionFile.file_id == StoredFile.id,
        )
    )
    query = (
        db.select(StoredFile.id)
        .join(Deliverable, Deliverable.id == StoredFile.deliverable_id)
        .where(
            Deliverable.project_id == project_id,
            Deliverable.version > 1,
            StoredFile.superseded_at.is_(None),
            ~previous.exists(),
        )
    )
    return set(db.session.execute(query).scalars())


def history(deliverable: Deliverable, *, client: bool) -> list[VersionView]:
    """Every version, newest first, with its files (the client sees only its visible ones) and its changes."""
    rows = db.session.execute(
        db.select(DeliverableVersion)
        .where(DeliverableVersion.deliverable_id == deliverable.id)
        .order_by(DeliverableVersion.number)
    ).scalars()
    decisions = db.session.execute(
        db.select(Decision).where(Decision.deliverable_id == deliverable.id).order_by(Decision.decided_at, Decision.id)
    ).scalars()
    by_version: dict[int, list] = {}
    for decision in decisions:
        by_version.setdefault(decision.version, []).append(decision)
    rows = list(rows)
    if not any(row.number == deliverable.version for row in rows):
        rows.append(DeliverableVersion(number=deliverable.version, created_at=deliverable.created_at))
    views, before = [], None
    for row in rows:
        current = row.number == deliverable.version
        files = current_files(deliverable.id) if current else [vf.file for vf in row.files]
        if client:
            files = [f for f in files if f.client_visible]
        view = VersionView(row.number, row.created_at, row.created_by, row.note, files, current=current)
        view.decisions = by_version.get(row.number, [])
        if before is not None:
            old = {f.filename: f.sha256 for f in before}
            new = {f.filename: f.sha256 for f in files}
            view.added = sorted(set(new) - set(old))
            view.removed = sorted(set(old) - set(new))
            view.replaced = sorted(name for name in set(new) & set(old) if new[name] != old[name])
        views.append(view)
        before = files
    return list(reversed(views))
