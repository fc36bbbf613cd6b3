"""Reviewing deliverables: the client's decision, and comments on a deliverable or a file."""

from __future__ import annotations

from flask import flash, g, make_response, redirect, request, url_for

from portal import thread_posts
from portal.client import bp, project_page
from portal.client.forms import DecisionForm, MessageForm
from portal.client.limits import posts_limited
from portal.client.loaders import load_deliverable, load_file
from portal.client.session import client_actor
from portal.extensions import db
from portal.forms import form_values
from portal.htmx import is_fragment_request
from portal.models import Deliverable, Project
from portal.models.deliverable import APPROVED, REJECTED, REVISION_REQUESTED
from portal.services import decisions, messages
from portal.services.errors import ServiceError

DECIDED = {
    APPROVED: "You approved “{title}”. Thank you!",
    REVISION_REQUESTED: "You asked for a revision of “{title}”. Your reason is in the messages below.",
    REJECTED: "You rejected “{title}”. Your reason is in the messages below.",
}


@bp.post("/portal/<slug>/deliverables/<int:deliverable_id>/decide")
def decide(deliverable_id: int):
    """Approve, request a revision or reject the deliverable (one decision wins)."""
    deliverable = load_deliverable(deliverable_id)
    project = deliverable.project
    form = DecisionForm()
    status_code = 422
    error = None
    if not form.validate_on_submit():
        error = " ".join(form.reason.errors) or "Choose approve, request a revision, or reject."
    else:
        try:
            decisions.decide_deliverable(
                deliverable,
                client_actor(),
                **form_values(form, "decision", "version", "reason"),
                name=g.portal.link.client_name or form.name.data,
                link=g.portal.link,
                time_zone=request.form.get("time_zone"),
            )
        except decisions.Superseded as exc:
            db.session.rollback()
            return _superseded(deliverable, exc.message)
        except decisions.AlreadyDecided as exc:
            error, status_code = exc.message, 409
        except ServiceError as exc:
            db.session.rollback()
            error = exc.message
    if error is None:
        message = DECIDED[form.decision.data].format(title=deliverable.title, org=g.portal.org.name)
        location = url_for("portal.project_page", project_id=project.id, _anchor=f"deliverable-{deliverable.id}")
        return project_page.done(
            project, location, message, "deliverable_card", oob=("badges", "thread_messages"), deliverable=deliverable
        )
    errors = {
        deliverable.id: {
            "message": error,
            "decision": form.decision.data,
            "reason": form.reason.data,
            "name": form.name.data,
        }
    }
    # htmx swaps only 2xx: the card itself carries the message.
    return project_page.invalid(
        project,
        "deliverable_card",
        oob=("badges",),
        status_code=status_code,
        deliverable=deliverable,
        decision_errors=errors,
    )


def _superseded(deliverable: Deliverable, message: str):
    """A decision on a replaced version: the message, and the current version to review (nothing was stored)."""
    flash(message, "error")
    anchor = f"deliverable-{deliverable.id}"
    location = url_for("portal.project_page", project_id=deliverable.project_id, _anchor=anchor)
    if is_fragment_request():
        response = make_response(message, 409)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, code=303)


@bp.post("/portal/<slug>/deliverables/<int:deliverable_id>/comments")
@posts_limited
def comment_deliverable(deliverable_id: int):
    """Comment on a deliverable: shown on its card and in the thread."""
    deliverable = load_deliverable(deliverable_id)
    return _comment(
        deliverable.project,
        "deliverable_card",
        {"deliverable_id": deliverable.id},
        f"deliverable-{deliverable.id}",
        ("d", deliverable.id),
        deliverable=deliverable,
    )


@bp.post("/portal/<slug>/files/<int:file_id>/comments")
@posts_limited
def comment_file(file_id: int):
    """Comment on a file: shown beside it and in the thread."""
    file = load_file(file_id)
    project = db.session.get(Project, file.project_id)
    deliverable = db.session.get(Deliverable, file.deliverable_id) if file.deliverable_id else None
    if deliverable is not None and deliverable.client_visible:
        return _comment(
            project,
            "deliverable_card",
            {"file_id": file.id},
            f"file-{file.id}",
            ("f", file.id),
            deliverable=deliverable,
        )
    return _comment(project, "files", {"file_id": file.id}, f"file-{file.id}", ("f", file.id))


def _comment(project: Project, block: str, subject: dict, anchor: str, key: tuple, **given):
    oob = ("badges", "thread_messages")
    return thread_posts.post_comment(
        project,
        project_page.PAGE,
        MessageForm(),
        lambda body: messages.post_client_message(project, client_actor(), g.portal.link.client_name, body, **subject),
        url_for("portal.project_page", project_id=project.id, _anchor=anchor),
        block,
        oob,
        lambda error: {"comment_errors": {key: error}},
        refused_oob=oob,
        **given,
    )
