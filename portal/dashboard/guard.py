"""Every dashboard request: a signed-in operator with a current organization."""

from __future__ import annotations

from flask import g, make_response, redirect, request, session, url_for
from flask_login import current_user

from portal.dashboard import bp
from portal.extensions import db
from portal.htmx import is_fragment_request
from portal.models import Membership, Organization
from portal.services.activity import Actor


@bp.before_request
def require_operator():
    """Anonymous → login (htmx: HX-Redirect); otherwise load the current organization."""
    if not current_user.is_authenticated:
        login_url = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
        if is_fragment_request():
            response = make_response("", 200)
            response.headers["HX-Redirect"] = login_url
            return response
        return redirect(login_url)
    memberships = db.session.execute(
        db.select(Membership, Organization)
        .join(Organization, Organization.id == Membership.org_id)
        .where(Membership.user_id == current_user.id)
        .order_by(Organization.name)
    ).all()
    if not memberships:
        return redirect(url_for("auth.no_organization"))
    # The organization of this session, else the one last used, else the one most recently joined.
    wanted = session.get("org_id") or current_user.last_org_id
    current = next((pair for pair in memberships if pair[1].id == wanted), None)
    current = current or max(memberships, key=lambda pair: pair[0].id)
    session["org_id"] = current[1].id
    g.membership, g.org = current
    g.organizations = [org for _m, org in memberships]


def current_actor() -> Actor:
    """The signed-in operator as an Activity actor."""
    return Actor.operator(current_user, request.remote_addr, request.user_agent.string)
