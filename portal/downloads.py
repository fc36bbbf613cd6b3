"""Streaming stored files to a browser: safe headers, byte ranges, thumbnails and ZIP bundles."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote
from zipfile import ZIP_STORED

from flask import Response, abort, current_app, redirect, request, stream_with_context
from werkzeug.http import parse_range_header
from werkzeug.utils import secure_filename
from werkzeug.wsgi import wrap_file
from zipstream import ZipStream

from portal import images
from portal.models import StoredFile
from portal.storage import CHUNK, S3Storage, StorageError, get_storage
from portal.uploads import is_inline

THUMB_SIZE = (480, 480)


def content_disposition(filename: str, inline: bool) -> str:
    """A Content-Disposition header with an ASCII fallback and the UTF-8 name (RFC 6266/5987)."""
    fallback = secure_filename(filename) or "download"
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _safe_headers(response: Response, filename: str, inline: bool) -> Response:
    response.headers["Content-Disposition"] = content_disposition(filename, inline)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _presigned_redirect(storage: S3Storage, file: StoredFile, inline: bool, mimetype: str) -> Response:
    """Send the browser to the bucket for the bytes, with a URL valid for a minute that fixes name and type."""
    url = storage.client.generate_presigned_url(
        "get_object",
        Params={
            "Bucket": storage.bucket,
            "Key": storage._key(file.storage_key),
            "ResponseContentDisposition": content_disposition(file.filename, inline),
            "ResponseContentType": mimetype,
            "ResponseCacheControl": "private, no-store",
        },
        ExpiresIn=current_app.config["DOWNLOAD_URL_SECONDS"],
    )
    response = redirect(url, code=302)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def stream_file(file: StoredFile, *, allow_inline: bool = True) -> Response:
    """Stream a stored file, honouring one byte range; HTML, SVG and unknown types always download."""
    storage = get_storage()
    inline = allow_inline and is_inline(file.content_type)
    mimetype = file.content_type if inline else "application/octet-stream"
    if isinstance(storage, S3Storage):
        return _presigned_redirect(storage, file, inline, mimetype)
    header = request.headers.get("Range")
    ranges = parse_range_header(header) if header else None  # malformed → None → the whole file
    if ranges is not None and len(ranges.ranges) == 1:
        bounds = ranges.range_for_length(file.size)
        if bounds is None:
            response = Response(status=416)
            response.headers["Content-Range"] = f"bytes */{file.size}"
            return _safe_headers(response, file.filename, inline)
        start, stop = bounds
        response = Response(
            stream_with_context(storage.iter_range(file.storage_key, start, stop)), status=206, mimetype=mimetype
        )
        response.headers["Content-Range"] = f"bytes {start}-{stop - 1}/{file.size}"
        response.headers["Content-Length"] = str(stop - start)
    else:
        # The server's file wrapper lets gunicorn sendfile() the bytes: no Python loop (and no GIL) per chunk, so
        # big downloads leave the worker's other threads their CPU.
        try:
            handle = storage.open(file.storage_key)
        except StorageError:
            abort(404)
        body = wrap_file(request.environ, handle, CHUNK)
        response = Response(body, mimetype=mimetype, direct_passthrough=True)
        response.headers["Content-Length"] = str(file.size)
    response.headers["Accept-Ranges"] = "bytes"
    return _safe_headers(response, file.filename, inline)


def thumbnail(file: StoredFile) -> bytes | None:
    """A JPEG thumbnail of an image, made once with Pillow and kept in storage; None if it cannot be made."""
    storage = get_storage()
    key = f"thumbs/{file.sha256}-{THUMB_SIZE[0]}.jpg"
    try:
        with storage.open(key) as cached:
            return cached.read()
    except StorageError:
        pass
    try:
        with storage.open(file.storage_key) as source:
            data = images.make_thumbnail(source, THUMB_SIZE)
    except StorageError:
        return None
    if data is None:
        return None
    # Concurrent first requests each write the same bytes under the same key: the last one wins, harmlessly.
    storage.save(io.BytesIO(data), key, "image/jpeg")
    return data


@dataclass(frozen=True)
class ZipEntry:
    """What the ZIP needs of one stored file, read while the request's database session is still open."""

    name: str
    storage_key: str
    size: int
    sha256: str


def zip_entries(files: Iterable[StoredFile]) -> list[ZipEntry]:
    """Plain values with unique names: a streamed body runs after the request's session has closed."""
    seen: dict[str, int] = {}
    entries = []
    for file in files:
        name = file.filename
        if name in seen:
            seen[name] += 1
            stem, dot, ext = name.rpartition(".")
            name = f"{stem} ({seen[name]}).{ext}" if dot else f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        entries.append(ZipEntry(name, file.storage_key, file.size, file.sha256))
    return entries


def build_zip(entries: list[ZipEntry], storage) -> ZipStream:
    """A stored (uncompressed) ZIP of the entries ending with ``SHA256SUMS.txt``; its length is known up front."""
    # Media is already compressed: storing keeps it fast, the stream steady and its size known in advance.
    archive = ZipStream(compress_type=ZIP_STORED, sized=True)
    for entry in entries:
        # A generator opens the object only when the archive reaches it, so one file is read at a time.
        archive.add(storage.iter_chunks(entry.storage_key), entry.name, size=entry.size)
    archive.add("".join(f"{entry.sha256}  {entry.name}\n" for entry in entries).encode(), "SHA256SUMS.txt")
    return archive


def zip_response(files: Iterable[StoredFile], filename: str) -> Response:
    """A ZIP of the files, streamed as it is written, with its exact length."""
    archive = build_zip(zip_entries(files), get_storage())
    response = Response(stream_with_context(iter(archive)), mimetype="application/zip")
    response.headers["Content-Length"] = str(len(archive))
    response.headers["Content-Disposition"] = content_disposition(filename, inline=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
