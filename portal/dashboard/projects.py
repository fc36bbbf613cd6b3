"""Dashboard: projects, their status and the project page."""

from __future__ import annotations

from flask import g, redirect, request, url_for

from portal.blocks import fragment
from portal.dashboard import bp, project_page
from portal.dashboard.confirm import ask_before_status
from portal.dashboard.guard import current_actor
from portal.dashboard.loaders import load
from portal.dashboard.paging import paginate, search_text
from portal.dashboard.project_forms import DeliverableForm, ProjectForm, StatusForm
from portal.extensions import db
from portal.forms import form_page, form_values
from portal.htmx import done, not_modified, render
from portal.models import Client, Project
from portal.models.project import STATUS_LABELS, STATUSES
from portal.services import deliverables as deliverable_service
from portal.services import projects as project_service
from portal.services.errors import ServiceError

FORM = "dashboard/projects/form.html"


def _client_choices(keep: int | None = None) -> list[tuple[int, str]]:
    # An archived client is offered only to the project that already belongs to it.
    rows = db.session.execute(
        db.select(Client.id, Client.name, Client.company)
        .where(Client.org_id == g.org.id, db.or_(Client.archived_at.is_(None), Client.id == keep))
        .order_by(Client.name)
    ).all()
    return [(row.id, f"{row.name} ({row.company})" if row.company else row.name) for row in rows]


def _project_form(keep_client: int | None = None, **kwargs) -> ProjectForm:
    form = ProjectForm(**kwargs)
    form.client_id.choices = [("", "Choose a client…")] + _client_choices(keep_client)
    return form


@bp.get("/projects")
def projects_index():
    """List projects a page at a time, filtered by status and a search."""
    status = request.args.get("status", "")
    status = status if status in STATUSES else ""
    search = search_text()
    archived = request.args.get("archived") == "1"
    page = paginate(
        project_service.list_projects(g.org.id, status or None, search or None, archived=archived),
        "dashboard.projects_index",
        {"q": search, "status": status, "archived": "1" if archived else None},
    )
    has_clients = (
        bool(page.total)
        or db.session.execute(db.select(Client.id).where(Client.org_id == g.org.id).limit(1)).first() is not None
    )
    return render(
        "dashboard/projects/index.html",
        "project_list",
        projects=page.rows,
        page=page,
        status=status,
        search=search,
        status_labels=STATUS_LABELS,
        has_clients=has_clients,
        archived=archived,
    )


@bp.route("/projects/new", methods=["GET", "POST"])
def projects_new():
    """Create a project."""
    form = _project_form(client_id=request.args.get("client_id", type=int))

    def save():
        project = project_service.create_project(g.org.id, current_actor(), **_project_fields(form))
        return done(url_for("dashboard.projects_show", project_id=project.id), f"Project {project.name} created.")

    return form_page(form, FORM, "project_form", save, form.name, project=None)


def _project_fields(form: ProjectForm) -> dict:
    return {
        "client_id": form.client_id.data,
        "name": form.name.data,
        "type": form.type.data or None,
        "start_date": form.start_date.data,
        "end_date": form.end_date.data,
        "location": form.location.data,
        "description": form.description.data,
    }


@bp.get("/projects/<int:project_id>")
def projects_show(project_id: int):
    """The project page: status, deliverables, files, messages and timeline."""
    project = load(Project, project_id)
    return project_page.render(project)


@bp.route("/projects/<int:project_id>/edit", methods=["GET", "POST"])
def projects_edit(project_id: int):
    """Edit a project's details."""
    project = load(Project, project_id)
    form = _project_form(keep_client=project.client_id, obj=project)

    def save():
        project_service.update_project(project, current_actor(), **_project_fields(form))
        return done(url_for("dashboard.projects_show", project_id=project.id), "Project saved.")

    return form_page(form, FORM, "project_form", save, form.name, project=project)


@bp.post("/projects/<int:project_id>/status")
def projects_status(project_id: int):
    """Move the project to another status (only allowed transitions; a hold needs a reason)."""
    project = load(Project, project_id)
    form = StatusForm()
    if form.validate_on_submit():
        back = url_for("dashboard.projects_show", project_id=project.id)
        if (asked := ask_before_status(project, form.status.data, back)) is not None:
            return asked
        try:
            project_service.change_status(project, current_actor(), form.status.data, form.hold_reason.data)
        except ServiceError as exc:
            db.session.rollback()
            form.hold_reason.errors.append(exc.message) if exc.field == "hold_reason" else form.status.errors.append(
                exc.message
            )
        else:
            return project_page.done(
                project,
                url_for("dashboard.projects_show", project_id=project.id),
                f"Status changed to {project.status_label}.",
                "status_card",
                oob=("timeline",),
            )
    else:
        form.status.errors.append("Choose a status.")
    return project_page.invalid(project, "status_card", status_form=form)


@bp.post("/projects/<int:project_id>/deliverables")
def deliverables_create(project_id: int):
    """Add a deliverable to the project."""
    project = load(Project, project_id)
    form = DeliverableForm()
    if form.validate_on_submit():
        deliverable_service.create_deliverable(
            project,
            current_actor(),
            **form_values(form, "title", "type", "format", "status", "client_visible"),
        )
        return project_page.done(
            project,
            url_for("dashboard.projects_show", project_id=project.id, _anchor="deliverables"),
            "Deliverable added.",
            "deliverables",
            # The upload form's "Attach to deliverable" list must offer the new deliverable at once.
            oob=("files", "timeline"),
        )
    return project_page.invalid(project, "deliverables", deliverable_form=form)


@bp.get("/projects/<int:project_id>/live")
def projects_live(project_id: int):
    """Polled by the open project page: 304 while nothing changed, else the changed parts out of band."""
    project = load(Project, project_id)
    etag = project_service.live_etag(project.id)
    unchanged = not_modified(etag)
    if unchanged is not None:
        return unchanged
    if not fragment():
        return redirect(url_for("dashboard.projects_show", project_id=project.id))
    response = project_page.render(
        project, "live", oob=("deliverable_list", "thread_messages", "timeline"), swap_oob=True, live_etag=etag
    )
    response.headers["ETag"] = etag
    return response
