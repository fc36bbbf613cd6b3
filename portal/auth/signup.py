"""Views for sign-up proven by email, email confirmation and forgotten passwords."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from portal.auth import bp
from portal.auth.forms import EmailForm, NewPasswordForm, SignupForm
from portal.auth.routes import login_limit, sign_in
from portal.extensions import limiter
from portal.models.account_token import PURPOSE_CONFIRM, PURPOSE_RESET, PURPOSE_SIGNUP
from portal.services import accounts, passwords
from portal.services.errors import ServiceError


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def signup():
    """Ask for an account: the address gets a link; the answer never tells whether it already has one."""
    form = SignupForm()
    if form.validate_on_submit():
        try:
            accounts.request_signup(form.name.data, form.email.data, form.password.data, form.org_name.data)
        except ServiceError as exc:
            getattr(form, exc.field or "email").errors.append(exc.message)
        else:
            return render_template("auth/check_email.html", email=form.email.data.lower(), reason="signup")
    status = 422 if request.method == "POST" else 200
    return render_template("auth/signup.html", form=form), status


def _token_or_404(secret: str):
    token = accounts.find_token(secret, PURPOSE_SIGNUP) or accounts.find_token(secret, PURPOSE_CONFIRM)
    if token is None:
        abort(404)
    return token


@bp.route("/confirm-email/<token>", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def confirm_email(token: str):
    """GET shows a button (mail scanners open links); POST proves the address and signs in."""
    found = _token_or_404(token)
    if request.method == "GET":
        return render_template("auth/confirm_email.html", token=found, error=None)
    try:
        if found.purpose == PURPOSE_SIGNUP:
            user, org = accounts.confirm_signup(found)
            message = f"Welcome! {org.name} is ready. Add your branding, then your first client."
            target = url_for("dashboard.settings")
        else:
            user = accounts.confirm_email(found, request.form.get("password", ""))
            message, target = "Your email address is confirmed.", url_for("dashboard.home")
    except ServiceError as exc:
        if exc.field == "password":
            return render_template("auth/confirm_email.html", token=found, error=exc.message), 422
        flash(exc.message, "error")
        return redirect(url_for("auth.login"), code=303)
    sign_in(user)
    flash(message, "success")
    return redirect(target, code=303)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def forgot_password():
    """Email a reset link; the answer is the same whether or not the address has an account."""
    form = EmailForm()
    if form.validate_on_submit():
        passwords.request_reset(form.email.data)
        return render_template("auth/check_email.html", email=form.email.data.lower(), reason="reset")
    status = 422 if request.method == "POST" else 200
    return render_template("auth/forgot_password.html", form=form), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def reset_password(token: str):
    """Choose a new password from an emailed link; every session of the account ends."""
    if accounts.find_token(token, PURPOSE_RESET) is None:
        abort(404)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            passwords.reset(token, form.password.data)
        except ServiceError as exc:
            form.password.errors.append(exc.message)
        else:
            flash("Your password was changed and every session ended. Log in with the new password.", "success")
            return redirect(url_for("auth.login"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/reset_password.html", form=form), status
