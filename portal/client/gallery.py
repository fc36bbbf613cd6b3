"""A file's web-sized copies in the portal, and its review page with pinned comments."""

from __future__ import annotations

from flask import g, request, url_for

from portal import media_files
from portal.client import bp
from portal.client.forms import MessageForm
from portal.client.loaders import load_file, load_project
from portal.client.session import client_actor
from portal.extensions import db
from portal.htmx import done, invalid, render
from portal.models import FileMedia, StoredFile
from portal.services import pins
from portal.services.errors import ServiceError

PAGE = "client/file.html"


@bp.get("/portal/<slug>/files/<int:file_id>/media/<kind>")
def file_media(file_id: int, kind: str):
    """A visible file's preview, thumbnail, poster or video proxy."""
    return media_files.serve(load_file(file_id), kind)


def _context(file: StoredFile, form=None, error=None) -> dict:
    media = db.session.get(FileMedia, file.id)
    return {
        "file": file,
        "project": load_project(file.project_id),
        "media": media,
        "kind": pins.media_kind(file, media),
        "pins": pins.file_pins(file.id, client=True),
        "side": "portal",
        "original_url": url_for("portal.view", file_id=file.id),
        "form": form or MessageForm(formdata=None),
        "pin_error": error,
        "values": request.form if error else {},
    }


@bp.get("/portal/<slug>/files/<int:file_id>/pins")
def file_pins(file_id: int):
    """A file on its own page: the image or video with its pinned comments beside it."""
    return render(PAGE, **_context(load_file(file_id)))


@bp.post("/portal/<slug>/files/<int:file_id>/pins")
def file_pins_post(file_id: int):
    """Comment on the file, pinned to a point of the image or a moment of the video when one is given."""
    file = load_file(file_id)
    form = MessageForm()
    error = " ".join(form.body.errors) if not form.validate_on_submit() else None
    if error is None:
        try:
            pins.pin_client_comment(
                load_project(file.project_id),
                client_actor(),
                g.portal.link.client_name,
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
    location = url_for("portal.file_pins", file_id=file.id, _anchor="pins")
    return done(location, "Comment posted.", template=PAGE, block="pins", **_context(file))
