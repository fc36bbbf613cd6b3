"""Streaming stored files to a browser: safe headers, byte ranges, thumbnails and ZIP bundles."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import quote

from flask import Response, current_app, redirect, request, stream_with_context
from werkzeug.http import parse_range_header
from werkzeug.utils import secure_filename

from portal import images
from portal.extensions import db
from portal.models import FileMedia, StoredFile
from portal.models.media import READY
from portal.storage import S3Storage, StorageError, get_storage
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
        response = Response(stream_with_context(storage.iter_chunks(file.storage_key)), mimetype=mimetype)
        response.headers["Content-Length"] = str(file.size)
    response.headers["Accept-Ranges"] = "bytes"
    return _safe_headers(response, file.filename, inline)


def thumbnail(file: StoredFile) -> bytes | None:
    """A JPEG thumbnail: the preview job's once it is ready, else (images only) one made once with Pillow and kept
    in storage; None if there is none."""
    storage = get_storage()
    media = db.session.get(FileMedia, file.id)
    if media is not None and media.status == READY and media.thumb_key:
        try:
            with storage.open(media.thumb_key) as made:
                return made.read()
        except StorageError:
            pass
    if not file.content_type.startswith("image/"):
        return None
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


class _Sink:
    """A write-only buffer: zipfile writes into it, the generator hands its bytes on."""

    def __init__(self):
        self.buffer = bytearray()
        self.offset = 0

    def write(self, data: bytes) -> int:
        self.buffer += data
        self.offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self.offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = bytes(self.buffer)
        self.buffer.clear()
        return data


@dataclass(frozen=True)
class ZipEntry:
    """What the ZIP needs of one stored file, read while the request's database session is still open."""

    name: str
    storage_key: str
    size: int
    sha256: str


def _entries(files: Iterable[StoredFile]) -> list[ZipEntry]:
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


def zip_stream(files: Iterable[StoredFile]) -> Iterator[bytes]:
    """A ZIP of the files, streamed as it is written, ending with a SHA-256 manifest."""
    return _zip_chunks(_entries(files), get_storage())


def _zip_chunks(entries: list[ZipEntry], storage) -> Iterator[bytes]:
    sink = _Sink()
    # Media is already compressed: storing keeps it fast and the stream steady.
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for entry in entries:
            with archive.open(entry.name, "w", force_zip64=entry.size > 2**31) as member:
                for chunk in storage.iter_chunks(entry.storage_key):
                    member.write(chunk)
                    yield sink.take()
            yield sink.take()
        manifest = "".join(f"{entry.sha256}  {entry.name}\n" for entry in entries)
        archive.writestr("SHA256SUMS.txt", manifest)
    yield sink.take()
