"""Views for accepting a team invitation: as the invited account, or by creating it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from portal.auth import bp
from portal.auth.forms import JoinForm, PasswordOnlyForm
from portal.auth.routes import login_limit, sign_in
from portal.extensions import db, limiter
from portal.models import Organization
from portal.services import accounts, invitations
from portal.services.errors import ServiceError

PAGE = "auth/invitation.html"


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def invitation(token: str):
    """Show an invitation; POST accepts it (GET changes nothing, as mail scanners open links)."""
    found = invitations.find_open(token)
    if found is None:
        abort(404)
    org = db.session.get(Organization, found.org_id)
    ip, agent = request.remote_addr, request.user_agent.string
    if current_user.is_authenticated:
        if current_user.email != found.email or request.method == "GET":
            return render_template(PAGE, invitation=found, org=org, form=None, mode="signed_in")
        try:
            invitations.accept(found, current_user, ip, agent)
        except ServiceError as exc:
            flash(exc.message, "error")
            return redirect(url_for("dashboard.home"), code=303)
        session["org_id"] = org.id
        flash(f"You joined {org.name}.", "success")
        return redirect(url_for("dashboard.home"), code=303)
    has_account = accounts.find_user(found.email) is not None
    form = PasswordOnlyForm() if has_account else JoinForm()
    mode = "login" if has_account else "join"
    if form.validate_on_submit():
        try:
            if has_account:
                result = accounts.authenticate(found.email, form.password.data)
                if result.user is None:
                    wrong = "Too many wrong passwords; try again later." if result.retry_after else "Wrong password."
                    raise ServiceError(wrong, "password")
                user = result.user
                invitations.accept(found, user, ip, agent)
            else:
                user, _org = invitations.accept_as_new(found, form.name.data, form.password.data, ip, agent)
        except ServiceError as exc:
            getattr(form, exc.field if exc.field in ("name", "password") else "password").errors.append(exc.message)
        else:
            sign_in(user)
            session["org_id"] = org.id
            flash(f"Welcome to {org.name}.", "success")
            return redirect(url_for("dashboard.home"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template(PAGE, invitation=found, org=org, form=form, mode=mode), status
