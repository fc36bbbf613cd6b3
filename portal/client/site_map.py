"""The client's map: comments pinned to a spot on it, and the GeoTIFF overlays it shows."""

from __future__ import annotations

from flask import g, url_for

from portal.client import bp, project_page
from portal.client.forms import MapPinForm
from portal.client.loaders import load_file, load_project
from portal.client.session import client_actor
from portal.extensions import db
from portal.overlays import serve_overlay
from portal.services import site_map
from portal.services.errors import ServiceError


@bp.post("/portal/<slug>/projects/<int:project_id>/map-pins")
def map_pin(project_id: int):
    """Pin the client's comment to a spot on the project's map (posted to the thread like any message)."""
    project = load_project(project_id)
    form = MapPinForm()
    if form.validate_on_submit():
        try:
            site_map.pin_comment(
                project,
                client_actor(),
                form.body.data,
                form.lat.data,
                form.lon.data,
                client=True,
                name=g.portal.link.client_name,
            )
        except ServiceError as exc:
            db.session.rollback()
            target = getattr(form, exc.field, form.lat)
            target.errors = [*target.errors, exc.message]
        else:
            location = url_for("portal.project_page", project_id=project.id, _anchor="site-map")
            return project_page.done(
                project, location, "Comment pinned.", "site_map", oob=("thread_messages", "badges")
            )
    return project_page.invalid(project, "site_map", map_pin_form=form)


@bp.get("/portal/<slug>/files/<int:file_id>/overlay")
def map_overlay(file_id: int):
    """The web-sized map overlay of a GeoTIFF the client may see."""
    return serve_overlay(load_file(file_id).id)
