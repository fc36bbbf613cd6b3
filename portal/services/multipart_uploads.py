"""Uploads in parts straight to storage: start, sign parts, list them, complete or abort."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app

from portal import multipart
from portal.extensions import db
from portal.formatting import filesize
from portal.models import Deliverable, Organization, Project, Upload
from portal.models.file import UPLOADED_BY_OPERATOR
from portal.models.upload import ABORTED, FAILED, PROCESSING, UPLOADING
from portal.services.activity import Actor, record
from portal.services.errors import ServiceError
from portal.services.files import project_key
from portal.services.organizations import file_limit
from portal.storage import StorageError, get_storage
from portal.uploads import extension_of, safe_filename


class UploadClosed(ServiceError):
    """The upload is no longer taking parts (completed, aborted or failed)."""


def max_file_bytes(org_id: int) -> int:
    """The largest file an upload to this organization may hold."""
    return file_limit(db.session.get(Organization, org_id))


def _too_big(filename: str, limit: int) -> str:
    return f"“{filename}” is larger than this organization’s limit of {filesize(limit)} per file."


def start(
    project: Project,
    actor: Actor,
    raw_filename: str | None,
    size,
    *,
    deliverable_id: int | None = None,
    client_visible: bool = False,
    uploaded_by_type: str = UPLOADED_BY_OPERATOR,
) -> Upload:
    """Open a multipart upload of one file to a project after checking its declared size."""
    filename = safe_filename(raw_filename)
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise ServiceError(f"“{filename}” is empty.", "size")
    limit = max_file_bytes(project.org_id)
    if size > limit:
        raise ServiceError(_too_big(filename, limit), "size")
    deliverable = None
    if deliverable_id:
        deliverable = db.session.get(Deliverable, deliverable_id)
        if deliverable is None or deliverable.project_id != project.id:
            raise ServiceError("Choose a deliverable of this project.", "deliverable_id")
    extension = extension_of(filename)
    key = project_key(project, extension)
    backend_id = multipart.create(get_storage(), key, "application/octet-stream")
    upload = Upload(
        public_id=secrets.token_urlsafe(24),
        org_id=project.org_id,
        project_id=project.id,
        deliverable_id=deliverable.id if deliverable else None,
        filename=filename,
        extension=extension,
        size=size,
        part_size=multipart.part_size_for(size),
        storage_key=key,
        backend_upload_id=backend_id,
        client_visible=client_visible,
        uploaded_by_type=uploaded_by_type,
        uploaded_by_label=actor.label,
        uploaded_by_user_id=actor.user_id,
    )
    db.session.add(upload)
    db.session.commit()
    return upload


def _check_number(upload: Upload, number) -> int:
    if not isinstance(number, int) or not 1 <= number <= multipart.part_count(upload.size, upload.part_size):
        raise ServiceError("That part number is not part of this upload.", "part")
    return number


def _require_open(upload: Upload) -> None:
    if upload.status != UPLOADING:
        raise UploadClosed("This upload is no longer open.", "upload")


def sign_part(upload: Upload, number) -> str:
    """A short-lived URL for one part of an open upload."""
    _require_open(upload)
    number = _check_number(upload, number)
    return multipart.part_url(get_storage(), upload, number, current_app.config["UPLOAD_PART_URL_SECONDS"])


def parts(upload: Upload) -> list[multipart.Part]:
    """The parts already stored (what a resumed upload skips)."""
    _require_open(upload)
    return multipart.list_parts(get_storage(), upload)


def complete(upload: Upload, actor: Actor, claimed: list) -> Upload:
    """Complete the upload once all parts are stored and agree with what the browser sent (the caller then queues
    the job that joins local parts and checks the file)."""
    _require_open(upload)
    try:
        wanted = [(int(p["PartNumber"]), str(p["ETag"])) for p in claimed]
    except (TypeError, KeyError, ValueError) as exc:
        raise ServiceError("The list of parts is malformed.", "parts") from exc
    expected_count = multipart.part_count(upload.size, upload.part_size)
    if [n for n, _ in wanted] != list(range(1, expected_count + 1)):
        raise ServiceError(f"Send parts 1 to {expected_count}, in order, to complete this upload.", "parts")
    storage = get_storage()
    try:
        ordered = _stored_parts(storage, upload, wanted)
    except ServiceError:
        # A simultaneous completion may have joined (and removed) the parts meanwhile: say so rather than "missing".
        db.session.rollback()
        if db.session.scalar(db.select(Upload.status).where(Upload.id == upload.id)) != UPLOADING:
            raise UploadClosed("This upload is no longer open.", "upload") from None
        raise
    limit = max_file_bytes(upload.org_id)
    if sum(p.size for p in ordered) > limit:  # the limit may have been lowered since the upload began
        multipart.abort(storage, upload)
        fail(upload, actor, _too_big(upload.filename, limit))
        raise ServiceError(_too_big(upload.filename, limit), "size")
    # Claim the upload before completing it in storage, so two completions cannot both run it.
    claimed_row = db.session.execute(
        db.update(Upload)
        .where(Upload.id == upload.id, Upload.status == UPLOADING)
        .values(status=PROCESSING, parts_completed=len(ordered), completed_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if claimed_row.rowcount != 1:
        raise UploadClosed("This upload is no longer open.", "upload")
    try:
        multipart.complete(storage, upload, ordered)
    except StorageError:
        current_app.logger.exception("completing upload %s failed", upload.id)
        try:
            multipart.abort(storage, upload)
        except Exception:
            current_app.logger.warning("could not abort upload %s", upload.id, exc_info=True)
        fail(upload, actor, "Storage could not join the parts; please upload the file again.")
        raise ServiceError("Storage could not join the parts; please upload the file again.", "upload") from None
    db.session.refresh(upload)
    return upload


def _stored_parts(storage, upload: Upload, wanted: list[tuple[int, str]]) -> list[multipart.Part]:
    try:
        stored = {p.number: p for p in multipart.list_parts(storage, upload)}
    except StorageError as exc:
        raise ServiceError("Storage has no parts for this upload.", "parts") from exc
    for number, etag in wanted:
        if number not in stored or stored[number].etag.strip('"') != etag.strip('"'):
            raise ServiceError(f"Part {number} is missing or differs from the one stored.", "parts")
    ordered = [stored[n] for n, _ in wanted]
    if sum(p.size for p in ordered) != upload.size:
        raise ServiceError("The parts do not add up to the file's declared size.", "parts")
    return ordered


def abort(upload: Upload) -> None:
    """Cancel an unfinished upload and drop its parts."""
    _require_open(upload)
    multipart.abort(get_storage(), upload)
    upload.status = ABORTED
    db.session.commit()


def fail(upload: Upload, actor: Actor, reason: str) -> None:
    """Mark the upload failed for the reason given, on the record, and commit."""
    upload.status = FAILED
    upload.error = reason[:400]
    record(
        actor,
        "upload.rejected",
        f"{upload.filename} was not accepted: {reason}",
        org_id=upload.org_id,
        project_id=upload.project_id,
        details={"upload": upload.public_id, "name": upload.filename},
    )
    db.session.commit()


def abort_abandoned(older_than: timedelta = timedelta(hours=24)) -> int:
    """Abort uploads still open after ``older_than`` (the sweeper calls this); return how many."""
    cutoff = datetime.now(UTC) - older_than
    stale = db.session.execute(
        db.select(Upload).where(Upload.status == UPLOADING, Upload.created_at < cutoff).limit(200)
    ).scalars()
    storage, count = get_storage(), 0
    for upload in stale:
        try:
            multipart.abort(storage, upload)
        except Exception:
            current_app.logger.warning("could not abort upload %s", upload.id, exc_info=True)
            continue
        upload.status = ABORTED
        count += 1
    db.session.commit()
    return count


def project_uploads(project_id: int, limit: int = 20) -> list[Upload]:
    """A project's uploads still open or being checked, and those refused in the last day, newest first."""
    return list(
        db.session.execute(
            db.select(Upload)
            .where(
                Upload.project_id == project_id,
                db.or_(
                    Upload.status.in_((UPLOADING, PROCESSING)),
                    db.and_(Upload.status == FAILED, Upload.created_at > datetime.now(UTC) - timedelta(days=1)),
                ),
            )
            .order_by(Upload.created_at.desc(), Upload.id.desc())
            .limit(limit)
        ).scalars()
    )


def state(upload: Upload) -> dict:
    """What a page needs to show about an upload (JSON)."""
    return {
        "uploadId": upload.public_id,
        "status": upload.status,
        "label": upload.status_label,
        "error": upload.error,
        "filename": upload.filename,
        "fileId": upload.file_id,
    }
