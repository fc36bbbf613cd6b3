"""Dashboard: the project's map — the site's position, comments pinned to the map, GeoTIFF overlays."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user

from portal.dashboard import bp, project_page
from portal.dashboard.guard import current_actor
from portal.dashboard.loaders import load
from portal.dashboard.project_forms import MapPinForm, SitePositionForm
from portal.extensions import db
from portal.models import Project, StoredFile
from portal.overlays import serve_overlay
from portal.services import projects as project_service
from portal.services import site_map
from portal.services.errors import ServiceError


def _map_url(project: Project) -> str:
    return url_for("dashboard.projects_show", project_id=project.id, _anchor="site-map")


def _field_error(form, exc: ServiceError) -> None:
    target = getattr(form, exc.field, None) or form.lat
    target.errors = [*target.errors, exc.message]


@bp.post("/projects/<int:project_id>/site")
def projects_site(project_id: int):
    """Place the site on the map (typed, or filled by a click on the map), or remove it with both fields empty."""
    project = load(Project, project_id)
    form = SitePositionForm()
    if form.validate_on_submit():
        try:
            project_service.set_site_position(project, current_actor(), form.lat.data, form.lon.data)
        except ServiceError as exc:
            db.session.rollback()
            _field_error(form, exc)
        else:
            message = "Site placed on the map." if project.site_lat is not None else "Site removed from the map."
            return project_page.done(project, _map_url(project), message, "site_map", oob=("timeline",))
    return project_page.invalid(project, "site_map", site_form=form)


@bp.post("/projects/<int:project_id>/map-pins")
def projects_map_pin(project_id: int):
    """Pin the operator's comment to a spot on the project's map (posted to the thread like any message)."""
    project = load(Project, project_id)
    form = MapPinForm()
    if form.validate_on_submit():
        try:
            site_map.pin_comment(
                project,
                current_actor(),
                form.body.data,
                form.lat.data,
                form.lon.data,
                client=False,
                email=current_user.email,
            )
        except ServiceError as exc:
            db.session.rollback()
            _field_error(form, exc)
        else:
            return project_page.done(
                project, _map_url(project), "Comment pinned.", "site_map", oob=("thread_messages", "timeline")
            )
    return project_page.invalid(project, "site_map", map_pin_form=form)


@bp.get("/files/<int:file_id>/overlay")
def files_overlay(file_id: int):
    """The web-sized map overlay of one of the organization's GeoTIFFs."""
    return serve_overlay(load(StoredFile, file_id).id)
