"""Public media: an organization's current logo (shown on its portal and in emails)."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from portal.extensions import db
from portal.models import Organization
from portal.services.organizations import logo_name
from portal.storage import StorageError, get_storage

bp = Blueprint("media", __name__)


@bp.get("/media/logo/<int:org_id>/<name>")
def logo(org_id: int, name: str):
    """Serve the logo only under its current, unguessable name; anything else is a 404."""
    org = db.session.get(Organization, org_id)
    if org is None or logo_name(org) != name:
        abort(404)
    try:
        data = b"".join(get_storage().iter_chunks(org.logo_key))
    except StorageError:
        abort(404)
    response = Response(data, mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
