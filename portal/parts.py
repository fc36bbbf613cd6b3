"""The part target of uploads in parts on local storage: signed, expiring PUT URLs under the app."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from portal import multipart
from portal.extensions import csrf, db
from portal.models import Upload
from portal.models.upload import UPLOADING
from portal.storage import LocalStorage, get_storage

bp = Blueprint("parts", __name__)


@bp.put("/parts/<public_id>/<int:number>")
@csrf.exempt
def put_part(public_id: str, number: int):
    """Store one part's bytes; the URL's signature is the only authority (it names the upload and the part)."""
    expires = request.args.get("expires", type=int) or 0
    if not multipart.check_local_signature(public_id, number, expires, request.args.get("signature", "")):
        return jsonify(error="This part URL is invalid or has expired."), 403
    storage = get_storage()
    if not isinstance(storage, LocalStorage):
        abort(404)
    upload = db.session.execute(db.select(Upload).where(Upload.public_id == public_id)).scalar_one_or_none()
    if upload is None:
        abort(404)
    if upload.status != UPLOADING:
        return jsonify(error="This upload is no longer open."), 409
    if not 1 <= number <= multipart.part_count(upload.size, upload.part_size):
        return jsonify(error="That part number is not part of this upload."), 400
    limit = multipart.part_limit(upload.size, upload.part_size, number)
    if (request.content_length or 0) > limit:
        return jsonify(error="This part is larger than its place in the file."), 413
    # The row is not needed while the bytes arrive: end the transaction rather than hold it for minutes.
    db.session.commit()
    try:
        part = multipart.write_local_part(storage, upload, number, request.stream, limit, request.content_length)
    except multipart.PartIncomplete as exc:
        return jsonify(error=str(exc)), 400
    except multipart.PartRejected as exc:
        return jsonify(error=str(exc)), 413
    response = jsonify(PartNumber=part.number, Size=part.size)
    response.headers["ETag"] = part.etag
    return response
