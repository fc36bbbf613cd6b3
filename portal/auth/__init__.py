"""Operator sign-up, login, logout, passwords, invitations and organization switching."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from portal.auth import invitations, routes, signup  # noqa: E402,F401
