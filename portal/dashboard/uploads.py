"""Dashboard: the JSON endpoints of uploads in parts (Uppy's S3 multipart protocol, signed by the app)."""

from __future__ import annotations

from flask import abort, g, jsonify, request, url_for

from portal.dashboard import bp, project_page
from portal.dashboard.guard import current_actor
from portal.dashboard.loaders import load
from portal.extensions import db
from portal.jobs.uploads import enqueue_processing
from portal.models import Project, Upload
from portal.services import multipart_uploads as uploads
from portal.services.errors import ServiceError
from portal.services.multipart_uploads import UploadClosed


def _load_upload(public_id: str) -> Upload:
    upload = db.session.execute(
        db.select(Upload).where(Upload.public_id == public_id, Upload.org_id == g.org.id)
    ).scalar_one_or_none()
    if upload is None:
        abort(404)
    return upload


def _error(exc: ServiceError):
    db.session.rollback()
    return jsonify(error=exc.message, field=exc.field), 409 if isinstance(exc, UploadClosed) else 400


@bp.get("/projects/<int:project_id>/files")
def files_block(project_id: int):
    """The files block (htmx refreshes it while uploads are processed); the project page otherwise."""
    project = load(Project, project_id)
    return project_page.render(project, "files")


@bp.post("/projects/<int:project_id>/uploads")
def uploads_create(project_id: int):
    """Open an upload in parts for one file of the project."""
    project = load(Project, project_id)
    data = request.get_json(silent=True) or {}
    try:
        deliverable_id = int(data.get("deliverable_id") or 0) or None
    except (TypeError, ValueError):
        deliverable_id = None
    try:
        upload = uploads.start(
            project,
            current_actor(),
            data.get("filename"),
            data.get("size"),
            deliverable_id=deliverable_id,
            client_visible=bool(data.get("client_visible")),
        )
    except ServiceError as exc:
        return _error(exc)
    return jsonify(uploadId=upload.public_id, key=upload.public_id, partSize=upload.part_size), 201


@bp.get("/uploads/<public_id>/parts/<int:number>")
def uploads_sign_part(public_id: str, number: int):
    """A short-lived URL for one part."""
    upload = _load_upload(public_id)
    try:
        return jsonify(url=uploads.sign_part(upload, number), headers={})
    except ServiceError as exc:
        return _error(exc)


@bp.get("/uploads/<public_id>/parts")
def uploads_list_parts(public_id: str):
    """The parts already stored, so a resumed upload sends only the rest."""
    upload = _load_upload(public_id)
    try:
        stored = uploads.parts(upload)
    except ServiceError as exc:
        return _error(exc)
    return jsonify([{"PartNumber": p.number, "Size": p.size, "ETag": p.etag} for p in stored])


@bp.post("/uploads/<public_id>/complete")
def uploads_complete(public_id: str):
    """Join the parts and check the file (inline without a worker)."""
    upload = _load_upload(public_id)
    data = request.get_json(silent=True) or {}
    parts = data.get("parts")
    if not isinstance(parts, list):
        return jsonify(error="Send the list of parts.", field="parts"), 400
    try:
        upload = uploads.complete(upload, current_actor(), parts)
    except ServiceError as exc:
        return _error(exc)
    # The check runs after the join has committed: by a worker, or here without one.
    enqueue_processing(upload.id)
    db.session.refresh(upload)
    location = url_for("dashboard.uploads_show", public_id=upload.public_id)
    return jsonify(location=location, **uploads.state(upload))


@bp.post("/uploads/<public_id>/abort")
def uploads_abort(public_id: str):
    """Cancel an unfinished upload and drop its parts."""
    upload = _load_upload(public_id)
    try:
        uploads.abort(upload)
    except ServiceError as exc:
        return _error(exc)
    return "", 204


@bp.get("/uploads/<public_id>")
def uploads_show(public_id: str):
    """An upload's state: uploading, processing, ready or failed (with the reason)."""
    return jsonify(uploads.state(_load_upload(public_id)))
