"""Views for operator accounts."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth import bp
from portal.auth.forms import LoginForm, SignupForm
from portal.extensions import limiter
from portal.services import accounts
from portal.services.errors import ServiceError


def _safe_next(target: str | None) -> str:
    """Only follow a ``next`` that stays on this site."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("dashboard.home")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """Show the login form and sign an operator in."""
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")), code=303)
        form.password.errors.append("Email or password is wrong.")
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def signup():
    """Create an operator account with its organization."""
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user, org = accounts.sign_up(form.name.data, form.email.data, form.password.data, form.org_name.data)
        except ServiceError as exc:
            getattr(form, exc.field or "email").errors.append(exc.message)
        else:
            session.clear()
            login_user(user)
            session["org_id"] = org.id
            flash(f"Welcome! {org.name} is ready. Add your branding, then your first client.", "success")
            return redirect(url_for("dashboard.settings"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/signup.html", form=form), status


@bp.post("/logout")
def logout():
    """Sign the operator out (POST only, so a link cannot do it)."""
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"), code=303)


@bp.post("/switch-organization")
@login_required
def switch_organization():
    """Make another of the operator's organizations the current one."""
    org_id = request.form.get("org_id", type=int)
    if org_id is None or not accounts.is_member(current_user.id, org_id):
        abort(404)
    session["org_id"] = org_id
    return redirect(url_for("dashboard.home"), code=303)


@bp.get("/no-organization")
@login_required
def no_organization():
    """An operator whose memberships were all removed."""
    return render_template("auth/no_organization.html")
