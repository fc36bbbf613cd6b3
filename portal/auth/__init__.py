"""Operator sign-up, login, logout, passwords, invitations and organization switching."""

from flask import Blueprint

bp = Blueprint("auth", __name__)


@bp.after_request
def private_pages(response):
    """Account pages (some carry a token in their URL) are never cached, and never leak it as a Referer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


from portal.auth import invitations, routes, signup  # noqa: E402,F401
