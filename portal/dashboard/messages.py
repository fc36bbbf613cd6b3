"""Dashboard: the project's message thread (operator side)."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user

from portal import thread_posts
from portal.dashboard import bp, project_page
from portal.dashboard.file_forms import MessageForm
from portal.dashboard.guard import current_actor
from portal.dashboard.loaders import load
from portal.extensions import db
from portal.models import Deliverable, Project, StoredFile
from portal.services import messages as message_service


@bp.post("/projects/<int:project_id>/messages")
def messages_post(project_id: int):
    """Post the operator's message to the project thread."""
    project = load(Project, project_id)
    return thread_posts.post_message(
        project,
        project_page.PAGE,
        MessageForm(),
        lambda body: message_service.post_operator_message(project, current_actor(), current_user.email, body),
        url_for("dashboard.projects_show", project_id=project.id, _anchor="project-thread"),
        None,
        oob=("timeline",),
    )


def _operator_comment(project: Project, block: str, subject: dict, anchor: str, **given):
    return thread_posts.post_comment(
        project,
        project_page.PAGE,
        MessageForm(),
        lambda body: message_service.post_operator_message(
            project, current_actor(), current_user.email, body, **subject
        ),
        url_for("dashboard.projects_show", project_id=project.id, _anchor=anchor),
        block,
        ("thread_messages",),
        lambda error: {"comment_error": {anchor: error}},
        **given,
    )


@bp.post("/deliverables/<int:deliverable_id>/comments")
def deliverables_comment(deliverable_id: int):
    """Comment on a deliverable: shown on its card, in the thread and in the client's portal."""
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
    file = load(StoredFile, file_id)
    project = db.session.get(Project, file.project_id)
    return _operator_comment(project, "files", {"file_id": file.id}, f"file-{file.id}")
