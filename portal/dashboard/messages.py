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
    return {
        "messages": message_service.project_thread(project.id),
        "message_form": message_form or MessageForm(formdata=None),
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
