"""Dashboard: a file's web-sized copies, and its review page with pinned comments."""

from __future__ import annotations

from flask import request, url_for
from flask_login import current_user

from portal import media_files
from portal.dashboard import bp
from portal.dashboard.file_forms import MessageForm
from portal.dashboard.guard import current_actor
from portal.dashboard.loaders import load
from portal.extensions import db
from portal.htmx import done, invalid, render
from portal.models import FileMedia, Project, StoredFile
from portal.services import pins
from portal.services.errors import ServiceError

PAGE = "dashboard/files/review.html"


@bp.get("/files/<int:file_id>/media/<kind>")
def file_media(file_id: int, kind: str):
    """A file's preview, thumbnail, poster or video proxy."""
    return media_files.serve(load(StoredFile, file_id), kind)


def _context(file: StoredFile, form=None, error=None) -> dict:
    media = db.session.get(FileMedia, file.id)
    return {
        "file": file,
        "project": db.session.get(Project, file.project_id),
        "media": media,
        "kind": pins.media_kind(file, media),
        "pins": pins.file_pins(file.id, client=False),
        "side": "dashboard",
        "original_url": url_for("dashboard.files_download", file_id=file.id),
        "form": form or MessageForm(formdata=None),
        "pin_error": error,
        "values": request.form if error else {},
    }


@bp.get("/files/<int:file_id>/pins")
def file_pins(file_id: int):
    """A file on its own page: the image or video with its pinned comments beside it."""
    return render(PAGE, **_context(load(StoredFile, file_id)))


@bp.post("/files/<int:file_id>/pins")
def file_pins_post(file_id: int):
    """Comment on the file, pinned to a point of the image or a moment of the video when one is given."""
    file = load(StoredFile, file_id)
    form = MessageForm()
    error = " ".join(form.body.errors) if not form.validate_on_submit() else None
    if error is None:
        try:
            pins.pin_operator_comment(
                db.session.get(Project, file.project_id),
                current_actor(),
                current_user.email,
                file.id,
                form.body.data,
                x=request.form.get("x"),
                y=request.form.get("y"),
                time=request.form.get("time"),
            )
        except ServiceError as exc:
            db.session.rollback()
            error = exc.message
    if error is not None:
        return invalid(PAGE, "pins", **_context(file, form, error))
    location = url_for("dashboard.file_pins", file_id=file.id, _anchor="pins")
    return done(location, "Comment posted.", template=PAGE, block="pins", **_context(file))
