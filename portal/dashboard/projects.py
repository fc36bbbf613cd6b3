"""Dashboard: projects (stub, replaced by the projects work)."""
from flask import abort

from portal.dashboard import bp


@bp.get("/projects")
def projects_index():
    """List projects."""
    return "projects"


@bp.get("/projects/new")
def projects_new():
    """Create a project."""
    return "new project"


@bp.get("/projects/<int:project_id>")
def projects_show(project_id: int):
    """A project."""
    abort(404)
