"""The operator dashboard blueprint."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from portal.dashboard import (  # noqa: E402,F401  (routes register on bp)
    activity,
    archive,
    bundles,
    clients,
    deliverables,
    emails,
    exports,
    files,
    gallery,
    guard,
    home,
    invoices,
    links,
    messages,
    projects,
    proposals,
    search,
    settings,
    site_map,
    team,
    uploads,
    versions,
)
