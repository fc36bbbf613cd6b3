"""Dashboard: project files."""

from __future__ import annotations

from flask import request, url_for

from portal.dashboard import bp, project_page
from portal.dashboard.file_forms import AttachForm, UploadForm
from portal.dashboard.guard import current_actor
from portal.dashboard.loaders import load
from portal.downloads import stream_file
from portal.extensions import db
from portal.models import Project, StoredFile
from portal.services import files as file_service
from portal.services.errors import ServiceError


def _files_url(project_id: int) -> str:
    return url_for("dashboard.projects_show", project_id=project_id, _anchor="project-files")


@bp.post("/projects/<int:project_id>/files")
def files_upload(project_id: int):
    """Upload one or more files to the project, streamed to storage."""
    project = load(Project, project_id)
    form = UploadForm()
    if form.validate_on_submit():
        uploads = [(f.filename, f.stream) for f in request.files.getlist("files") if f and f.filename]
        try:
            stored = file_service.upload_files(
                project,
                current_actor(),
                uploads,
                deliverable_id=form.deliverable_id.data or None,
                client_visible=form.client_visible.data,
            )
        except ServiceError as exc:
            db.session.rollback()
            target = form.deliverable_id if exc.field == "deliverable_id" else form.files
            target.errors = [*target.errors, exc.message]
        else:
            count = len(stored)
            message = f"{count} file{'s' if count != 1 else ''} uploaded."
            return project_page.done(project, _files_url(project.id), message, "files", oob=("timeline",))
    return project_page.invalid(project, "files", upload_form=form)


@bp.get("/files/<int:file_id>/download")
def files_download(file_id: int):
    """Download a file (images, PDF and MP4 open in the browser)."""
    file = load(StoredFile, file_id)
    return stream_file(file)


@bp.post("/files/<int:file_id>/attach")
def files_attach(file_id: int):
    """Attach the file to a deliverable of its project, or detach it."""
    file = load(StoredFile, file_id)
    project = db.session.get(Project, file.project_id)
    form = AttachForm()
    if form.validate_on_submit():
        try:
            file_service.attach(file, current_actor(), form.deliverable_id.data or None)
        except ServiceError as exc:
            db.session.rollback()
            upload_form = UploadForm(formdata=None)
            upload_form.files.errors = [exc.message]
            return project_page.invalid(project, "files", upload_form=upload_form)
        return project_page.done(project, _files_url(project.id), "File attachment saved.", "files", oob=("timeline",))
    return project_page.invalid(project, "files")


@bp.post("/files/<int:file_id>/visibility")
def files_visibility(file_id: int):
    """Show the file to the client or hide it."""
    file = load(StoredFile, file_id)
    visible = request.form.get("client_visible") == "1"
    file_service.set_visibility(file, current_actor(), visible)
    project = db.session.get(Project, file.project_id)
    message = f"{file.filename} is {'now visible to' if visible else 'hidden from'} the client."
    return project_page.done(project, _files_url(project.id), message, "files", oob=("timeline",))


@bp.post("/files/<int:file_id>/delete")
def files_delete(file_id: int):
    """Delete the file and its stored bytes."""
    file = load(StoredFile, file_id)
    project = db.session.get(Project, file.project_id)
    name = file.filename
    file_service.delete_file(file, current_actor())
    return project_page.done(project, _files_url(project.id), f"{name} deleted.", "files", oob=("timeline",))
