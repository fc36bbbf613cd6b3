"""Dashboard: the JSON endpoints of uploads in parts (Uppy's S3 multipart protocol, signed by the app)."""

from __future__ import annotations

from flask import abort, g, jsonify, request, url_for

from portal import upload_api
from portal.dashboard import bp, project_page
from portal.dashboard.guard import current_actor
from portal.dashboard.loaders import load
from portal.extensions import db
from portal.models import Project, Upload
from portal.services import multipart_uploads as uploads


def _load_upload(public_id: str) -> Upload:
    upload = db.session.execute(
        db.select(Upload).where(Upload.public_id == public_id, Upload.org_id == g.org.id)
    ).scalar_one_or_none()
    if upload is None:
        abort(404)
    return upload


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
    return upload_api.start(
        project,
        current_actor(),
        data,
        deliverable_id=deliverable_id,
        client_visible=bool(data.get("client_visible")),
    )


upload_api.add_part_routes(
    bp,
    "",
    _load_upload,
    current_actor,
    lambda done: url_for("dashboard.uploads_show", public_id=done.public_id),
)


@bp.get("/uploads/<public_id>")
def uploads_show(public_id: str):
    """An upload's state: uploading, processing, ready or failed (with the reason)."""
    return jsonify(uploads.state(_load_upload(public_id)))
