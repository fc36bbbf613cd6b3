"""Files in the portal: the client's uploads, downloads, in-browser views, and previews."""

from __future__ import annotations

from flask import abort, g, make_response, request, url_for

from portal.client import bp, project_page
from portal.client.forms import UploadForm
from portal.client.loaders import load_file, load_project
from portal.client.session import client_actor
from portal.client.visibility import uploads_allowed
from portal.downloads import stream_file, thumbnail
from portal.forms import show_refusal
from portal.models.file import UPLOADED_BY_CLIENT
from portal.services import files as file_service
from portal.services.errors import ServiceError


@bp.post("/portal/<slug>/projects/<int:project_id>/files")
def upload(project_id: int):
    """The client sends files to the operator, when their link allows it."""
    project = load_project(project_id)
    if not uploads_allowed(project.id):
        abort(404)
    form = UploadForm()
    if form.validate_on_submit():
        uploads = [(f.filename, f.stream) for f in request.files.getlist("files") if f and f.filename]
        try:
            file_service.upload_files(
                project, client_actor(), uploads, client_visible=True, uploaded_by_type=UPLOADED_BY_CLIENT
            )
        except ServiceError as exc:
            show_refusal(form, exc, form.files)
        else:
            location = url_for("portal.project_page", project_id=project.id, _anchor="files")
            return project_page.done(project, location, None, "files", oob=("badges",))
    return project_page.invalid(project, "files", oob=("badges",), upload_form=form)


@bp.get("/portal/<slug>/files/<int:file_id>")
def download(file_id: int):
    """Download a file (streamed, with byte ranges)."""
    file = load_file(file_id)
    # A download resumed with a range is the same download: audit only the first request.
    if not request.headers.get("Range", "").startswith("bytes=") or request.headers["Range"].startswith("bytes=0-"):
        file_service.record_download(g.portal.org.id, client_actor(), file=file)
    return stream_file(file, allow_inline=False)


@bp.get("/portal/<slug>/files/<int:file_id>/view")
def view(file_id: int):
    """Show an image, PDF or video in the browser (ranges let a long video seek); other types download."""
    file = load_file(file_id)
    return stream_file(file, allow_inline=True)


@bp.get("/portal/<slug>/files/<int:file_id>/thumb")
def thumb(file_id: int):
    """A small JPEG preview of an image, a video or a GeoTIFF."""
    file = load_file(file_id)
    data = thumbnail(file)
    if data is None:
        abort(404)
    response = make_response(data)
    response.mimetype = "image/jpeg"
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
