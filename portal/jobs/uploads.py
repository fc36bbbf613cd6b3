"""The upload job: read a completed upload once, check its type, hash it, and make it a project file."""

from __future__ import annotations

import hashlib

from flask import current_app

from portal import multipart
from portal.extensions import db
from portal.jobs import enqueue_unique, get_queue, job_app_context
from portal.jobs.previews import enqueue_previews
from portal.models import Project, StoredFile, Upload
from portal.models.activity import ACTOR_CLIENT, ACTOR_OPERATOR
from portal.models.file import UPLOADED_BY_CLIENT
from portal.models.upload import PROCESSING, READY
from portal.outbox import commit_and_dispatch
from portal.outbox.kinds.files import ClientUpload
from portal.services import bundles, media, multipart_uploads
from portal.services.activity import Actor, record
from portal.storage import get_storage
from portal.uploads import SNIFF_BYTES, UploadRejected, check_head

# A slow disk or object store reads (and joins) at least this fast; the job's timeout follows from it.
READ_BYTES_PER_SECOND = 20 * 1024 * 1024


def enqueue_processing(upload_id: int) -> None:
    """Queue the check of a completed upload, or run it now without Redis."""
    queue = get_queue()
    if queue is not None:
        size = db.session.scalar(db.select(Upload.size).where(Upload.id == upload_id)) or 0
        try:
            enqueue_unique(
                queue,
                process_upload,
                upload_id,
                job_id=f"{queue.name}-upload-{upload_id}",
                job_timeout=job_timeout(size),
            )
            return
        except Exception:
            current_app.logger.warning("could not enqueue upload %s; checking it inline", upload_id, exc_info=True)
    process_upload(upload_id)


def job_timeout(size: int) -> int:
    """Seconds the upload job may run: RQ's default 3 minutes would kill the read of a 50 GB file midway."""
    return 300 + size // READ_BYTES_PER_SECOND


def _actor(upload: Upload) -> Actor:
    kind = ACTOR_CLIENT if upload.uploaded_by_type == UPLOADED_BY_CLIENT else ACTOR_OPERATOR
    return Actor(kind, upload.uploaded_by_label or "Someone", upload.uploaded_by_user_id)


def process_upload(upload_id: int) -> None:
    """Join (local parts), sniff, hash and size the object in one read; record a file or remove it and say why."""
    with job_app_context():
        upload = db.session.get(Upload, upload_id)
        if upload is None or upload.status != PROCESSING:
            return
        storage = get_storage()
        digest, seen, reason = hashlib.sha256(), {"size": 0, "head": b""}, None

        def read(chunk: bytes) -> None:
            if len(seen["head"]) < SNIFF_BYTES:
                seen["head"] += chunk[: SNIFF_BYTES - len(seen["head"])]
            digest.update(chunk)
            seen["size"] += len(chunk)

        joining = multipart.awaiting_join(storage, upload)
        try:
            if joining:
                multipart.join_local(storage, upload, read)
            else:
                for chunk in storage.iter_chunks(upload.storage_key):
                    read(chunk)
        except Exception:
            current_app.logger.exception("reading upload %s failed", upload_id)
            reason = "The stored file could not be read; please upload it again."
        size, head = seen["size"], seen["head"]
        checked = None
        if reason is None:
            try:
                checked = check_head(upload.filename, head)
            except UploadRejected as exc:
                reason = str(exc)
        if reason is None and size != upload.size:
            reason = "The stored file's size differs from the size announced."
        actor = _actor(upload)
        if reason is not None:
            storage.delete(upload.storage_key)
            if joining:
                multipart.abort(storage, upload)
            multipart_uploads.fail(upload, actor, reason)
            return
        stored = StoredFile(
            project_id=upload.project_id,
            deliverable_id=upload.deliverable_id,
            filename=checked.filename,
            content_type=checked.content_type,
            size=size,
            sha256=digest.hexdigest(),
            storage_key=upload.storage_key,
            client_visible=upload.client_visible,
            uploaded_by_type=upload.uploaded_by_type,
            uploaded_by_label=upload.uploaded_by_label,
            uploaded_by_user_id=upload.uploaded_by_user_id,
        )
        db.session.add(stored)
        db.session.flush()
        previews = media.add_pending([stored])
        upload.status, upload.file_id = READY, stored.id
        record(
            actor,
            "file.uploaded",
            f"{actor.label} uploaded {stored.filename}",
            subject=stored,
            org_id=upload.org_id,
            details={"files": [{"id": stored.id, "name": stored.filename, "sha256": stored.sha256, "size": size}]},
        )
        queued = []
        if upload.uploaded_by_type == UPLOADED_BY_CLIENT:
            project = db.session.get(Project, upload.project_id)
            queued = ClientUpload.queue(project, actor.label, [stored.filename])
        stale = bundles.invalidate(upload.deliverable_id)
        commit_and_dispatch(queued)
        bundles.remove_objects(stale)
        enqueue_previews(previews)
