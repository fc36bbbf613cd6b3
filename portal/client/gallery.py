"""A file's web-sized copies in the portal, and its review page with pinned comments."""

from __future__ import annotations

from flask import g

from portal import media_files
from portal.client import bp
from portal.client.forms import MessageForm
from portal.client.limits import posts_limited
from portal.client.loaders import load_file, load_project
from portal.client.session import client_actor
from portal.file_review import FileReview
from portal.services import pins

REVIEW = FileReview(
    template="client/file.html",
    side="portal",
    client=True,
    form_class=MessageForm,
    load_project=load_project,
    original_endpoint="portal.view",
    actor=client_actor,
    author=lambda: g.portal.link.client_name,
    post_comment=pins.pin_client_comment,
)


@bp.get("/portal/<slug>/files/<int:file_id>/media/<kind>")
def file_media(file_id: int, kind: str):
    """A visible file's preview, thumbnail, poster or video proxy."""
    return media_files.serve(load_file(file_id), kind)


@bp.get("/portal/<slug>/files/<int:file_id>/pins")
def file_pins(file_id: int):
    """A file on its own page: the image or video with its pinned comments beside it."""
    return REVIEW.show(load_file(file_id))


@bp.post("/portal/<slug>/files/<int:file_id>/pins")
@posts_limited
def file_pins_post(file_id: int):
    """Comment on the file, pinned to a point of the image or a moment of the video when one is given."""
    return REVIEW.comment(load_file(file_id))
