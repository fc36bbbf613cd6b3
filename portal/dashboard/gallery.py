"""Dashboard: a file's web-sized copies, and its review page with pinned comments."""

from __future__ import annotations

from flask_login import current_user

from portal import media_files
from portal.dashboard import bp
from portal.dashboard.file_forms import MessageForm
from portal.dashboard.guard import current_actor
from portal.dashboard.loaders import load
from portal.extensions import db
from portal.file_review import FileReview
from portal.models import Project, StoredFile
from portal.services import pins

REVIEW = FileReview(
    template="dashboard/files/review.html",
    side="dashboard",
    client=False,
    form_class=MessageForm,
    load_project=lambda project_id: db.session.get(Project, project_id),
    original_endpoint="dashboard.files_download",
    actor=current_actor,
    author=lambda: current_user.email,
    post_comment=pins.pin_operator_comment,
)


@bp.get("/files/<int:file_id>/media/<kind>")
def file_media(file_id: int, kind: str):
    """A file's preview, thumbnail, poster or video proxy."""
    return media_files.serve(load(StoredFile, file_id), kind)


@bp.get("/files/<int:file_id>/pins")
def file_pins(file_id: int):
    """A file on its own page: the image or video with its pinned comments beside it."""
    return REVIEW.show(load(StoredFile, file_id))


@bp.post("/files/<int:file_id>/pins")
def file_pins_post(file_id: int):
    """Comment on the file, pinned to a point of the image or a moment of the video when one is given."""
    return REVIEW.comment(load(StoredFile, file_id))
