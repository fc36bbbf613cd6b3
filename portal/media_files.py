"""A file's web-sized copies (preview, thumbnail, poster, video proxy) for both sides' routes: private, cacheable
by the browser, with byte ranges on local storage and a short presigned URL on S3."""

from __future__ import annotations

from flask import Response, abort, current_app, g, redirect, request, stream_with_context
from werkzeug.http import parse_range_header

from portal.extensions import db
from portal.models import FileMedia, StoredFile
from portal.models.media import READY
from portal.storage import S3Storage, StorageError, get_storage

KINDS = {"preview": "preview_key", "thumb": "thumb_key", "poster": "poster_key", "proxy": "proxy_key"}
TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "mp4": "video/mp4",
    "webm": "video/webm",
}
# Private: a shared cache must never keep it; the browser may, for as long as a gallery visit lasts.
CACHE = "private, max-age=3600"


def media_type(key: str) -> str:
    """The content type of a derived object, from the extension the preview job gave its key."""
    return TYPES.get(key.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def derived_key(file: StoredFile, kind: str) -> str:
    """The storage key of a ready derived object of this kind, else 404."""
    column = KINDS.get(kind)
    if column is None:
        abort(404)
    media = db.session.get(FileMedia, file.id)
    key = getattr(media, column) if media is not None and media.status == READY else None
    if not key:
        abort(404)
    return key


def _headers(response: Response, mimetype: str) -> Response:
    g.private_media = True  # lets the portal's no-store rule step aside for this one response
    response.headers["Cache-Control"] = CACHE
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Disposition"] = "inline"
    response.headers["Accept-Ranges"] = "bytes"
    response.mimetype = mimetype
    return response


def _presigned(storage: S3Storage, key: str, mimetype: str) -> Response:
    url = storage.client.generate_presigned_url(
        "get_object",
        Params={
            "Bucket": storage.bucket,
            "Key": storage._key(key),
            "ResponseContentType": mimetype,
            "ResponseContentDisposition": "inline",
            "ResponseCacheControl": CACHE,
        },
        ExpiresIn=current_app.config["DOWNLOAD_URL_SECONDS"],
    )
    response = redirect(url, code=302)
    # The redirect itself holds a signature that expires: the browser must ask again next time.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def serve(file: StoredFile, kind: str) -> Response:
    """Answer with the file's derived object of ``kind``: one byte range when asked, the whole object otherwise."""
    key = derived_key(file, kind)
    mimetype = media_type(key)
    storage = get_storage()
    if isinstance(storage, S3Storage):
        return _presigned(storage, key, mimetype)
    try:
        size = storage.size(key)
    except StorageError:
        abort(404)
    header = request.headers.get("Range")
    ranges = parse_range_header(header) if header else None  # malformed → None → the whole object
    if ranges is not None and len(ranges.ranges) == 1:
        bounds = ranges.range_for_length(size)
        if bounds is None:
            response = Response(status=416)
            response.headers["Content-Range"] = f"bytes */{size}"
            return _headers(response, mimetype)
        start, stop = bounds
        response = Response(stream_with_context(storage.iter_range(key, start, stop)), status=206)
        response.headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
        response.headers["Content-Length"] = str(stop - start)
        return _headers(response, mimetype)
    response = Response(stream_with_context(storage.iter_chunks(key)))
    response.headers["Content-Length"] = str(size)
    return _headers(response, mimetype)
