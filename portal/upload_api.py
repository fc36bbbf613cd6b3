"""The JSON answers of uploads in parts (Uppy's S3 multipart protocol, signed by the app), for operators and clients."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, jsonify, request

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


def add_part_routes(
    bp: Blueprint,
    prefix: str,
    load_upload: Callable[[str], Upload],
    actor: Callable[[], Actor],
    location: Callable[[Upload], str],
) -> None:
    """Add one side's routes of an open upload under ``prefix``: sign a part, list the parts, complete, abort."""

    def uploads_sign_part(public_id: str, number: int):
        """A short-lived URL for one part."""
        return sign_part(load_upload(public_id), number)

    def uploads_list_parts(public_id: str):
        """The parts already stored, so a resumed upload sends only the rest."""
        return list_parts(load_upload(public_id))

    def uploads_complete(public_id: str):
        """Complete the upload; a worker joins and checks the file (inline without one)."""
        return complete(load_upload(public_id), actor(), location)

    def uploads_abort(public_id: str):
        """Cancel an unfinished upload and drop its parts."""
        return abort(load_upload(public_id))

    bp.get(f"{prefix}/uploads/<public_id>/parts/<int:number>")(uploads_sign_part)
    bp.get(f"{prefix}/uploads/<public_id>/parts")(uploads_list_parts)
    bp.post(f"{prefix}/uploads/<public_id>/complete")(uploads_complete)
    bp.post(f"{prefix}/uploads/<public_id>/abort")(uploads_abort)
