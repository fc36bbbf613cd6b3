"""Dashboard: the project's message thread (operator side)."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user

from portal.dashboard import bp
from portal.dashboard.file_forms import MessageForm
from portal.dashboard.guard import current_actor
from portal.dashboard.loaders import load
from portal.extensions import db
from portal.htmx import done, invalid
from portal.models import Project
from portal.services import messages as message_service
from portal.services.errors import ServiceError

SHOW = "dashboard/projects/show.html"


def thread_context(project: Project, message_form: MessageForm | None = None) -> dict:
    """What the project page's thread block needs."""
    thread = message_service.project_thread(project.id)
    return {
        "messages": thread,
        "message_form": message_form or MessageForm(formdata=None),
        "comments": message_service.comments_by_subject(thread),
        "comment_error": {},
    }


@bp.post("/projects/<int:project_id>/messages")
def messages_post(project_id: int):
    """Post the operator's message to the project thread."""
    from portal.dashboard.projects import project_page_context

    project = load(Project, project_id)
    form = MessageForm()
    if form.validate_on_submit():
        try:
            message_service.post_operator_message(project, current_actor(), current_user.email, form.body.data)
        except ServiceError as exc:
            db.session.rollback()
            form.body.errors = [*form.body.errors, exc.message]
        else:
            return done(
                url_for("dashboard.projects_show", project_id=project.id, _anchor="project-thread"),
                template="dashboard/projects/show.html",
                block="thread",
                oob=("timeline",),
                **project_page_context(project),
            )
    return invalid(SHOW, "thread", **project_page_context(project, **thread_context(project, form)))


def _operator_comment(project: Project, block: str, subject: dict, anchor: str, **extra):
    from portal.dashboard.projects import project_page_context

    form = MessageForm()
    error = None
    if form.validate_on_submit():
        try:
            message_service.post_operator_message(
                project, current_actor(), current_user.email, form.body.data, **subject
            )
        except ServiceError as exc:
            db.session.rollback()
            error = exc.message
    else:
        error = " ".join(form.body.errors) or "Write a comment first."
    location = url_for("dashboard.projects_show", project_id=project.id, _anchor=anchor)
    if error is None:
        return done(
            location,
            "Comment posted.",
            template=SHOW,
            block=block,
            oob=("thread_messages",),
            **project_page_context(project, **extra),
        )
    return invalid(SHOW, block, **project_page_context(project, comment_error={anchor: error}, **extra))


@bp.post("/deliverables/<int:deliverable_id>/comments")
def deliverables_comment(deliverable_id: int):
    """Comment on a deliverable: shown on its card, in the thread and in the client's portal."""
    from portal.models import Deliverable

    deliverable = load(Deliverable, deliverable_id)
    return _operator_comment(
        deliverable.project,
        "deliverable_card",
        {"deliverable_id": deliverable.id},
        f"deliverable-{deliverable.id}",
        deliverable=deliverable,
    )


@bp.post("/files/<int:file_id>/comments")
def files_comment(file_id: int):
    """Comment on a file: shown beside it, in the thread and in the client's portal."""
    from portal.models import StoredFile

    file = load(StoredFile, file_id)
    project = db.session.get(Project, file.project_id)
    return _operator_comment(project, "files", {"file_id": file.id}, f"file-{file.id}")
