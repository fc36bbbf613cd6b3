"""Views for operator login, logout and organization switching."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth import bp
from portal.auth.forms import LoginForm
from portal.extensions import db, limiter
from portal.models import User
from portal.services import accounts, sessions


def _safe_next(target: str | None) -> str:
    """Only follow a ``next`` that stays on this site."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("dashboard.home")


def login_limit() -> str:
    """The per-IP limit on login, sign-up and the other account forms."""
    return current_app.config["LOGIN_RATE_LIMIT"]


def sign_in(user: User) -> None:
    """Start a server-side session for the user in a fresh cookie, opening their last organization."""
    session.clear()
    session_id = sessions.start(user.id, request.remote_addr, request.user_agent.string)
    db.session.commit()
    login_user(user)
    session[sessions.SESSION_KEY] = session_id
    if user.last_org_id:
        session["org_id"] = user.last_org_id


def sign_out() -> None:
    """End this browser's session on the server and forget the cookie."""
    sessions.end_current()
    logout_user()
    session.clear()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def login():
    """Show the login form and sign an operator in."""
    form = LoginForm()
    if form.validate_on_submit():
        result = accounts.authenticate(form.email.data, form.password.data)
        if result.retry_after:
            minutes = max(1, result.retry_after // 60)
            form.password.errors.append(
                f"Too many wrong passwords for this address. Try again in {minutes} minutes, or reset your password."
            )
            return render_template("auth/login.html", form=form), 429, {"Retry-After": str(result.retry_after)}
        user = result.user
        if user is not None and user.email_verified_at is None:
            accounts.send_confirmation(user)
            return render_template("auth/check_email.html", email=user.email, reason="confirm")
        if user is not None:
            sign_in(user)
            return redirect(_safe_next(request.args.get("next")), code=303)
        form.password.errors.append("Email or password is wrong.")
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    """Sign the operator out (POST only, so a link cannot do it); a copy of the cookie stops working too."""
    sign_out()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"), code=303)


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere():
    """End every session of this operator, on every device."""
    sessions.end_all(current_user.id)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are logged out on every device.", "info")
    return redirect(url_for("auth.login"), code=303)


@bp.post("/switch-organization")
@login_required
def switch_organization():
    """Make another of the operator's organizations the current one (and the one the next login opens)."""
    org_id = request.form.get("org_id", type=int)
    if org_id is None or not accounts.is_member(current_user.id, org_id):
        abort(404)
    session["org_id"] = org_id
    accounts.remember_org(current_user.id, org_id)
    return redirect(url_for("dashboard.home"), code=303)


@bp.get("/no-organization")
@login_required
def no_organization():
    """An operator whose memberships were all removed."""
    return render_template("auth/no_organization.html")
