"""The client's map: comments pinned to a spot on it, and the GeoTIFF overlays it shows."""

from __future__ import annotations

from flask import g, url_for

from portal import thread_posts
from portal.client import bp, project_page
from portal.client.limits import posts_limited
from portal.client.loaders import load_file, load_project
from portal.client.session import client_actor
from portal.overlays import serve_overlay


@bp.post("/portal/<slug>/projects/<int:project_id>/map-pins")
@posts_limited
def map_pin(project_id: int):
    """Pin the client's comment to a spot on the project's map (posted to the thread like any message)."""
    project = load_project(project_id)
    location = url_for("portal.project_page", project_id=project.id, _anchor="site-map")
    return thread_posts.pin_comment(
        project,
        project_page.PAGE,
        client_actor(),
        location,
        ("thread_messages", "badges"),
        client=True,
        name=g.portal.link.client_name,
    )


@bp.get("/portal/<slug>/files/<int:file_id>/overlay")
def map_overlay(file_id: int):
    """The web-sized map overlay of a GeoTIFF the client may see."""
    return serve_overlay(load_file(file_id).id)
