"""Portal: a client sends big files in parts through the same protocol as operators, when the link allows it."""

from __future__ import annotations

from flask import abort, g, request

from portal import upload_api
from portal.client import bp
from portal.client.loaders import load_project
from portal.client.session import client_actor
from portal.client.visibility import uploads_allowed
from portal.extensions import db
from portal.models import Upload
from portal.models.file import UPLOADED_BY_CLIENT


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


@bp.post("/portal/<slug>/projects/<int:project_id>/uploads")
def uploads_create(project_id: int):
    """Open an upload in parts of one file for the operator."""
    project = load_project(project_id)
    _require_uploads(project.id)
    data = request.get_json(silent=True) or {}
    return upload_api.start(project, client_actor(), data, client_visible=True, uploaded_by_type=UPLOADED_BY_CLIENT)


upload_api.add_part_routes(bp, "/portal/<slug>", _load_upload, client_actor, lambda _upload: request.path)
