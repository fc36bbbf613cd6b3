"""Portal: a client sends big files in parts through the same protocol as operators, when the link allows it."""

from __future__ import annotations

from flask import abort, g, jsonify, request

from portal.client import bp
from portal.client.loaders import load_project
from portal.client.session import client_actor
from portal.client.visibility import uploads_allowed
from portal.extensions import db
from portal.jobs.uploads import enqueue_processing
from portal.models import Upload
from portal.models.file import UPLOADED_BY_CLIENT
from portal.services import multipart_uploads as uploads
from portal.services.errors import ServiceError
from portal.services.multipart_uploads import UploadClosed


def _require_uploads(project_id: int) -> None:
    if not uploads_allowed(project_id):
        abort(404)


def _load_upload(public_id: str) -> Upload:
    upload = db.session.execute(
        db.select(Upload).where(
            Upload.public_id == public_id,
            Upload.org_id == g.portal.org.id,
            Upload.uploaded_by_type == UPLOADED_BY_CLIENT,
        )
    ).scalar_one_or_none()
    if upload is None:
        abort(404)
    _require_uploads(upload.project_id)  # a project this session may still upload to, or the 404
    return upload


def _error(exc: ServiceError):
    db.session.rollback()
    return jsonify(error=exc.message, field=exc.field), 409 if isinstance(exc, UploadClosed) else 400


@bp.post("/portal/<slug>/projects/<int:project_id>/uploads")
def uploads_create(project_id: int):
    """Open an upload in parts of one file for the operator."""
    project = load_project(project_id)
    _require_uploads(project.id)
    data = request.get_json(silent=True) or {}
    try:
        upload = uploads.start(
            project,
            client_actor(),
            data.get("filename"),
            data.get("size"),
            client_visible=True,
            uploaded_by_type=UPLOADED_BY_CLIENT,
        )
    except ServiceError as exc:
        return _error(exc)
    return jsonify(uploadId=upload.public_id, key=upload.public_id, partSize=upload.part_size), 201


@bp.get("/portal/<slug>/uploads/<public_id>/parts/<int:number>")
def uploads_sign_part(public_id: str, number: int):
    """A short-lived URL for one part."""
    upload = _load_upload(public_id)
    try:
        return jsonify(url=uploads.sign_part(upload, number), headers={})
    except ServiceError as exc:
        return _error(exc)


@bp.get("/portal/<slug>/uploads/<public_id>/parts")
def uploads_list_parts(public_id: str):
    """The parts already stored."""
    upload = _load_upload(public_id)
    try:
        stored = uploads.parts(upload)
    except ServiceError as exc:
        return _error(exc)
    return jsonify([{"PartNumber": p.number, "Size": p.size, "ETag": p.etag} for p in stored])


@bp.post("/portal/<slug>/uploads/<public_id>/complete")
def uploads_complete(public_id: str):
    """Join the parts and check the file."""
    upload = _load_upload(public_id)
    parts = (request.get_json(silent=True) or {}).get("parts")
    if not isinstance(parts, list):
        return jsonify(error="Send the list of parts.", field="parts"), 400
    try:
        upload = uploads.complete(upload, client_actor(), parts)
    except ServiceError as exc:
        return _error(exc)
    # The check runs after the join has committed: by a worker, or here without one.
    enqueue_processing(upload.id)
    db.session.refresh(upload)
    return jsonify(location=request.path, **uploads.state(upload))


@bp.post("/portal/<slug>/uploads/<public_id>/abort")
def uploads_abort(public_id: str):
    """Cancel an unfinished upload and drop its parts."""
    upload = _load_upload(public_id)
    try:
        uploads.abort(upload)
    except ServiceError as exc:
        return _error(exc)
    return "", 204
