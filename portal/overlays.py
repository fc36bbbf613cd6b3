"""Serving a GeoTIFF's web-sized overlay image, once a side's loader has checked access to its file."""

from __future__ import annotations

from flask import Response, abort

from portal.services.site_map import overlay_key
from portal.storage import StorageError, get_storage

# The preview job writes PNG (transparent outside the orthomosaic); JPEG and WebP are accepted too.
SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"RIFF", "image/webp"))


def serve_overlay(file_id: int) -> Response:
    """The overlay image of an accessible file, typed by its first bytes; 404 when it has none."""
    key = overlay_key(file_id)
    if not key:
        abort(404)
    try:
        data = b"".join(get_storage().iter_chunks(key))
    except StorageError:
        abort(404)
    mimetype = next((kind for magic, kind in SIGNATURES if data.startswith(magic)), None)
    if mimetype is None or (mimetype == "image/webp" and data[8:12] != b"WEBP"):
        abort(404)
    response = Response(data, mimetype=mimetype)
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
