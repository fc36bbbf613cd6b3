"""Dashboard: the organization's activity log, searchable, optionally for one project."""

from __future__ import annotations

from flask import g, request

from portal.dashboard import bp
from portal.dashboard.loaders import load
from portal.dashboard.paging import paginate, search_text
from portal.extensions import db
from portal.htmx import render
from portal.models import Activity, Project
from portal.services.search import matches


@bp.get("/activity")
def activity_index():
    """Everything that happened in the organization (or in one project), newest first, a page at a time."""
    project_id = request.args.get("project", type=int)
    project = load(Project, project_id) if project_id else None
    search = search_text()
    query = (
        db.select(
            Activity.id,
            Activity.at,
            Activity.actor_label,
            Activity.summary,
            Activity.project_id,
            Project.name.label("project_name"),
        )
        .outerjoin(Project, Project.id == Activity.project_id)
        .where(Activity.org_id == g.org.id)
        .order_by(Activity.at.desc(), Activity.id.desc())
    )
    if project is not None:
        query = query.where(Activity.project_id == project.id)
    if search:
        query = query.where(matches(search, Activity.summary, Activity.actor_label))
    page = paginate(query, "dashboard.activity_index", {"q": search, "project": project.id if project else None})
    return render(
        "dashboard/activity/index.html", "activity_list", entries=page.rows, page=page, search=search, project=project
    )
