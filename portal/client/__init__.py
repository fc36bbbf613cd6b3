"""The client portal: entry by secure link, then token-free pages scoped to org + email."""

from flask import Blueprint

bp = Blueprint("portal", __name__)

from portal.client import (  # noqa: E402,F401
    billing,
    bundles,
    entry,
    files,
    gallery,
    pages,
    review,
    shell,
    site_map,
    thread,
    uploads,
    versions,
)
