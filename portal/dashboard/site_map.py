"""Dashboard: the project's map — the site's position, comments pinned to the map, GeoTIFF overlays."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user

from portal import thread_posts
from portal.dashboard import bp, project_page
from portal.dashboard.guard import current_actor
from portal.dashboard.loaders import load
from portal.dashboard.project_forms import SitePositionForm
from portal.forms import show_refusal
from portal.models import Project, StoredFile
from portal.overlays import serve_overlay
from portal.services import projects as project_service
from portal.services.errors import ServiceError


def _map_url(project: Project) -> str:
    return url_for("dashboard.projects_show", project_id=project.id, _anchor="site-map")


@bp.post("/projects/<int:project_id>/site")
def projects_site(project_id: int):
    """Place the site on the map (typed, or filled by a click on the map), or remove it with both fields empty."""
    project = load(Project, project_id)
    form = SitePositionForm()
    if form.validate_on_submit():
        try:
            project_service.set_site_position(project, current_actor(), form.lat.data, form.lon.data)
        except ServiceError as exc:
            show_refusal(form, exc, form.lat)
        else:
            message = "Site placed on the map." if project.site_lat is not None else "Site removed from the map."
            return project_page.done(project, _map_url(project), message, "site_map", oob=("timeline",))
    return project_page.invalid(project, "site_map", site_form=form)


@bp.post("/projects/<int:project_id>/map-pins")
def projects_map_pin(project_id: int):
    """Pin the operator's comment to a spot on the project's map (posted to the thread like any message)."""
    project = load(Project, project_id)
    return thread_posts.pin_comment(
        project,
        project_page.PAGE,
        current_actor(),
        _map_url(project),
        ("thread_messages", "timeline"),
        client=False,
        email=current_user.email,
    )


@bp.get("/files/<int:file_id>/overlay")
def files_overlay(file_id: int):
    """The web-sized map overlay of one of the organization's GeoTIFFs."""
    return serve_overlay(load(StoredFile, file_id).id)
