"""Dashboard: editing a deliverable and its client visibility."""

from __future__ import annotations

from flask import redirect, request, url_for

from portal.blocks import fragment
from portal.dashboard import bp, project_page
from portal.dashboard.guard import current_actor
from portal.dashboard.loaders import load
from portal.dashboard.project_forms import DeliverableEditForm
from portal.extensions import db
from portal.forms import form_values, show_refusal
from portal.htmx import invalid, render
from portal.models import Deliverable
from portal.services import deliverables as deliverable_service
from portal.services.errors import ServiceError

EDIT = "dashboard/projects/deliverable_edit.html"


def _project_url(deliverable: Deliverable) -> str:
    return url_for(
        "dashboard.projects_show", project_id=deliverable.project_id, _anchor=f"deliverable-{deliverable.id}"
    )


@bp.get("/deliverables/<int:deliverable_id>")
def deliverables_show(deliverable_id: int):
    """The deliverable's card (htmx), or its place on the project page."""
    deliverable = load(Deliverable, deliverable_id)
    if not fragment():
        return redirect(_project_url(deliverable))
    return project_page.render(deliverable.project, "deliverable_card", deliverable=deliverable)


@bp.route("/deliverables/<int:deliverable_id>/edit", methods=["GET", "POST"])
def deliverables_edit(deliverable_id: int):
    """Edit a deliverable in place; raising the version reopens review."""
    deliverable = load(Deliverable, deliverable_id)
    form = DeliverableEditForm(obj=deliverable)
    if form.validate_on_submit():
        try:
            deliverable_service.update_deliverable(
                deliverable,
                current_actor(),
                **form_values(form, "title", "type", "format", "status", "version"),
            )
        except ServiceError as exc:
            show_refusal(form, exc, form.title)
        else:
            return project_page.done(
                deliverable.project,
                _project_url(deliverable),
                "Deliverable saved.",
                "deliverable_card",
                # A new title must show in the upload form's deliverable list too.
                oob=("files", "timeline"),
                deliverable=deliverable,
            )
    if form.is_submitted():
        db.session.rollback()
        return invalid(EDIT, "deliverable_form", form=form, deliverable=deliverable)
    return render(EDIT, "deliverable_form", form=form, deliverable=deliverable)


@bp.post("/deliverables/<int:deliverable_id>/visibility")
def deliverables_visibility(deliverable_id: int):
    """Show the deliverable to the client or hide it."""
    deliverable = load(Deliverable, deliverable_id)
    visible = request.form.get("client_visible") == "1"
    deliverable_service.set_visibility(deliverable, current_actor(), visible)
    message = "Now visible to the client." if visible else "Hidden from the client."
    return project_page.done(
        deliverable.project,
        _project_url(deliverable),
        message,
        "deliverable_card",
        oob=("timeline",),
        deliverable=deliverable,
    )
