"""Streaming stored files to a browser with safe headers."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, stream_with_context
from werkzeug.utils import secure_filename

from portal.models import StoredFile
from portal.storage import get_storage
from portal.uploads import is_inline


def content_disposition(filename: str, inline: bool) -> str:
    """A Content-Disposition header with an ASCII fallback and the UTF-8 name (RFC 6266/5987)."""
    fallback = secure_filename(filename) or "download"
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def stream_file(file: StoredFile, *, allow_inline: bool = True) -> Response:
    """Stream a stored file; HTML, SVG and unknown types always download as attachments."""
    chunks = get_storage().iter_chunks(file.storage_key)
    inline = allow_inline and is_inline(file.content_type)
    response = Response(
        stream_with_context(chunks), mimetype=file.content_type if inline else "application/octet-stream"
    )
    response.headers["Content-Length"] = str(file.size)
    response.headers["Content-Disposition"] = content_disposition(file.filename, inline)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
