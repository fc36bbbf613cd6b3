"""Project files: streamed uploads to storage, attachment, visibility, deletion."""

from __future__ import annotations

from typing import BinaryIO

from flask import current_app

from portal.extensions import db
from portal.formatting import filesize
from portal.models import Deliverable, FileMedia, Organization, Project, StoredFile
from portal.models.file import UPLOADED_BY_CLIENT, UPLOADED_BY_OPERATOR
from portal.models.media import media_columns
from portal.outbox import dispatch, outbox
from portal.outbox.kinds.files import ClientUpload
from portal.services import bundles, media
from portal.services.activity import Actor, record
from portal.services.archive import remove_stored
from portal.services.errors import ServiceError
from portal.services.organizations import file_limit
from portal.storage import get_storage, new_key
from portal.uploads import CheckedUpload, UploadRejected, check_upload


def list_project_files(project_id: int) -> list:
    """A project's files with their deliverable's title, newest first, as light rows."""
    return db.session.execute(
        db.select(
            StoredFile.id,
            StoredFile.filename,
            StoredFile.content_type,
            StoredFile.size,
            StoredFile.client_visible,
            StoredFile.deliverable_id,
            StoredFile.uploaded_by_type,
            StoredFile.uploaded_by_label,
            StoredFile.created_at,
            StoredFile.sha256,
            # "" rather than NULL: the gallery groups files by it, and None cannot be sorted against None.
            db.func.coalesce(Deliverable.title, "").label("deliverable_title"),
            *media_columns(),
            *media.row_columns(),
        )
        .outerjoin(Deliverable, Deliverable.id == StoredFile.deliverable_id)
        .outerjoin(FileMedia, FileMedia.file_id == StoredFile.id)
        .where(StoredFile.project_id == project_id, StoredFile.superseded_at.is_(None))
        .order_by(StoredFile.created_at.desc(), StoredFile.id.desc())
    ).all()


def _deliverable_of(project: Project, deliverable_id: int | None) -> Deliverable | None:
    if not deliverable_id:
        return None
    deliverable = db.session.get(Deliverable, deliverable_id)
    if deliverable is None or deliverable.project_id != project.id:
        raise ServiceError("Choose a deliverable of this project.", "deliverable_id")
    return deliverable


def project_key(project: Project, extension: str) -> str:
    """A fresh storage key in the project's folder."""
    return new_key(f"org/{project.org_id}/project/{project.id}", extension)


def save_file(
    project: Project,
    actor: Actor,
    upload: CheckedUpload,
    stream: BinaryIO,
    *,
    deliverable_id: int | None,
    client_visible: bool,
    uploaded_by_type: str = UPLOADED_BY_OPERATOR,
) -> StoredFile:
    """Stream a checked upload into the project's storage and return its row, not yet added to the session."""
    saved = get_storage().save(stream, project_key(project, upload.extension), upload.content_type)
    return StoredFile(
        project_id=project.id,
        deliverable_id=deliverable_id,
        filename=upload.filename,
        content_type=upload.content_type,
        size=saved.size,
        sha256=saved.sha256,
        storage_key=saved.key,
        client_visible=client_visible,
        uploaded_by_type=uploaded_by_type,
        uploaded_by_label=actor.label,
        uploaded_by_user_id=actor.user_id,
    )


def upload_files(
    project: Project,
    actor: Actor,
    uploads: list[tuple[str | None, BinaryIO]],
    *,
    deliverable_id: int | None = None,
    client_visible: bool = False,
    uploaded_by_type: str = UPLOADED_BY_OPERATOR,
) -> list[StoredFile]:
    """Check every upload first, then stream each to storage and record it; all or nothing."""
    if not uploads:
        raise ServiceError("Choose at least one file.", "files")
    deliverable = _deliverable_of(project, deliverable_id)
    try:
        checked: list[tuple[CheckedUpload, BinaryIO]] = [
            (check_upload(name, stream), stream) for name, stream in uploads
        ]
    except UploadRejected as exc:
        raise ServiceError(str(exc), "files") from exc
    storage = get_storage()
    stored: list[StoredFile] = []
    limit = file_limit(db.session.get(Organization, project.org_id))
    try:
        for upload, stream in checked:
            file = save_file(
                project,
                actor,
                upload,
                stream,
                deliverable_id=deliverable.id if deliverable else None,
                client_visible=client_visible,
                uploaded_by_type=uploaded_by_type,
            )
            if file.size > limit:
                storage.delete(file.storage_key)
                raise ServiceError(
                    f"“{upload.filename}” is larger than this organization’s limit of {filesize(limit)} per file.",
                    "files",
                )
            stored.append(file)
        db.session.add_all(stored)
        db.session.flush()
        previews = media.add_pending(stored)
        names = ", ".join(f.filename for f in stored)
        record(
            actor,
            "file.uploaded",
            f"{actor.label} uploaded {names}"[:300],
            org_id=project.org_id,
            project_id=project.id,
            details={"files": [{"id": f.id, "name": f.filename, "sha256": f.sha256, "size": f.size} for f in stored]},
        )
        queued = []
        if uploaded_by_type == UPLOADED_BY_CLIENT:
            queued = outbox(ClientUpload.queue(project, actor.label, [f.filename for f in stored]))
        stale = bundles.invalidate(deliverable.id if deliverable else None)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for item in stored:
            storage.delete(item.storage_key)
        current_app.logger.exception("upload to project %s failed", project.id)
        raise
    bundles.remove_objects(stale)
    dispatch(queued)
    media.queue_previews(previews)
    return stored


def attach(file: StoredFile, actor: Actor, deliverable_id: int | None) -> StoredFile:
    """Attach a file to one of its project's deliverables, or detach it (None)."""
    project = db.session.get(Project, file.project_id)
    deliverable = _deliverable_of(project, deliverable_id)
    previous = file.deliverable_id
    file.deliverable_id = deliverable.id if deliverable else None
    summary = (
        f"{actor.label} attached {file.filename} to {deliverable.title}"
        if deliverable
        else f"{actor.label} detached {file.filename}"
    )
    record(actor, "file.attached", summary, subject=file, org_id=project.org_id)
    stale = bundles.invalidate(previous, file.deliverable_id)
    db.session.commit()
    bundles.remove_objects(stale)
    return file


def set_visibility(file: StoredFile, actor: Actor, visible: bool) -> StoredFile:
    """Show a file to the client, or hide it."""
    project = db.session.get(Project, file.project_id)
    file.client_visible = visible
    state = "visible to the client" if visible else "hidden from the client"
    record(
        actor,
        "file.visibility",
        f"{actor.label} made {file.filename} {state}",
        subject=file,
        org_id=project.org_id,
        details={"client_visible": visible},
    )
    stale = bundles.invalidate(file.deliverable_id)
    db.session.commit()
    bundles.remove_objects(stale)
    return file


def delete_file(file: StoredFile, actor: Actor) -> None:
    """Delete a file's row, then its stored bytes."""
    project = db.session.get(Project, file.project_id)
    key, name, deliverable_id = file.storage_key, file.filename, file.deliverable_id
    record(
        actor,
        "file.deleted",
        f"{actor.label} deleted {name}",
        org_id=project.org_id,
        project_id=project.id,
        details={"file_id": file.id, "name": name, "sha256": file.sha256},
    )
    derived = media.take_derived_keys(file_ids=[file.id])
    db.session.delete(file)
    stale = bundles.invalidate(deliverable_id)
    db.session.commit()
    remove_stored([key, *stale, *derived])


def record_download(org_id: int, actor: Actor, file: StoredFile | None = None, deliverable=None) -> None:
    """Audit a client's download of one file or of a deliverable's ZIP."""
    subject = file if file is not None else deliverable
    name = file.filename if file is not None else f"{deliverable.title} (all files, version {deliverable.version})"
    record(actor, "file.downloaded", f"{actor.label} downloaded {name}", subject=subject, org_id=org_id)
    db.session.commit()
