"""The JSON answers of uploads in parts (Uppy's S3 multipart protocol, signed by the app), for operators and clients."""

from __future__ import annotations

from collections.abc import Callable

from flask import jsonify, request

from portal.extensions import db
from portal.jobs.uploads import enqueue_processing
from portal.models import Upload
from portal.services import multipart_uploads as uploads
from portal.services.activity import Actor
from portal.services.errors import ServiceError
from portal.services.multipart_uploads import UploadClosed


def error(exc: ServiceError):
    """A refused step: 409 when the upload is already closed, 400 otherwise."""
    db.session.rollback()
    return jsonify(error=exc.message, field=exc.field), 409 if isinstance(exc, UploadClosed) else 400


def start(project, actor: Actor, data: dict, **fields):
    """Open an upload in parts of one file (name and size from the JSON ``data``): 201 with its key, or the error."""
    try:
        upload = uploads.start(project, actor, data.get("filename"), data.get("size"), **fields)
    except ServiceError as exc:
        return error(exc)
    return jsonify(uploadId=upload.public_id, key=upload.public_id, partSize=upload.part_size), 201


def sign_part(upload: Upload, number: int):
    """A short-lived URL for one part."""
    try:
        return jsonify(url=uploads.sign_part(upload, number), headers={})
    except ServiceError as exc:
        return error(exc)


def list_parts(upload: Upload):
    """The parts already stored, so a resumed upload sends only the rest."""
    try:
        stored = uploads.parts(upload)
    except ServiceError as exc:
        return error(exc)
    return jsonify([{"PartNumber": p.number, "Size": p.size, "ETag": p.etag} for p in stored])


def complete(upload: Upload, actor: Actor, location: Callable[[Upload], str]):
    """Complete the upload with the parts the request lists, then queue the job that joins and checks the file."""
    parts = (request.get_json(silent=True) or {}).get("parts")
    if not isinstance(parts, list):
        return jsonify(error="Send the list of parts.", field="parts"), 400
    try:
        upload = uploads.complete(upload, actor, parts)
    except ServiceError as exc:
        return error(exc)
    # The join (local parts) and the check run after the claim has committed: by a worker, or here without one.
    enqueue_processing(upload.id)
    db.session.refresh(upload)
    return jsonify(location=location(upload), **uploads.state(upload))


def abort(upload: Upload):
    """Cancel an unfinished upload and drop its parts."""
    try:
        uploads.abort(upload)
    except ServiceError as exc:
        return error(exc)
    return "", 204
