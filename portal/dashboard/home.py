"""Dashboard: the start page."""

from flask import redirect, url_for

from portal.dashboard import bp


@bp.get("/")
def home():
    """The operator's start page: their projects."""
    return redirect(url_for("dashboard.projects_index"))
