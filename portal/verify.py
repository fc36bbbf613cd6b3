"""The public verification page of a decision certificate: keyed by its unguessable id, rate limited, noindex."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, render_template

from portal import certificate
from portal.extensions import limiter

bp = Blueprint("verify", __name__)


def verify_limit() -> str:
    """The per-IP limit on verification lookups."""
    return current_app.config["VERIFY_RATE_LIMIT"]


@bp.get("/verify/<public_id>")
@limiter.limit(verify_limit)
def verify(public_id: str):
    """Confirm what the certificate states, and nothing more; an unknown or altered id is a plain 404."""
    decision = certificate.find(public_id)
    if decision is None:
        abort(404)
    fields = certificate.content(decision)
    response = make_response(render_template("verify/page.html", c=fields, digest=certificate.checksum(fields)))
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
