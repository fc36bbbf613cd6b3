"""Entry by secure link: GET shows a page and changes nothing; a human step opens the session."""

from __future__ import annotations

from flask import abort, current_app, make_response, redirect, render_template, request, url_for

from portal.client import bp
from portal.client.access import (
    DEVICE_MAX_AGE,
    device_cookie_name,
    device_cookie_value,
    device_remembers_code,
    start_session,
)
from portal.extensions import db, limiter
from portal.models import Organization
from portal.services import portal_links
from portal.services.portal_links import CodeResult


def _entry_limit() -> str:
    return current_app.config["PORTAL_ENTRY_RATE_LIMIT"]


def _code_limit() -> str:
    return current_app.config["PORTAL_CODE_RATE_LIMIT"]


def _entry_page(link, *, error: str | None = None, status: int = 200, retry_after: int | None = None):
    org = db.session.get(Organization, link.org_id)
    needs_code = bool(link.access_code_hash) and not device_remembers_code(
        link, request.cookies.get(device_cookie_name(link))
    )
    response = make_response(
        render_template(
            "client/entry.html", org=org, link=link, needs_code=needs_code, error=error, locked=link.code_locked
        ),
        status,
    )
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


@bp.get("/p/<token>")
@limiter.limit(_entry_limit)
def entry(token: str):
    """The link's landing page: an "Open portal" button or the access-code form."""
    link = portal_links.find_active_link(token)
    if link is None:
        abort(404)
    return _entry_page(link)


@bp.post("/p/<token>")
@limiter.limit(_entry_limit)
@limiter.limit(_code_limit)
def enter(token: str):
    """Open the portal session (after the access code, where the link has one)."""
    link = portal_links.find_active_link(token)
    if link is None:
        abort(404)
    remember = None
    if link.access_code_hash and not device_remembers_code(link, request.cookies.get(device_cookie_name(link))):
        check = portal_links.check_code(
            link, request.form.get("code", ""), request.remote_addr, request.user_agent.string
        )
        db.session.refresh(link)
        if check.result == CodeResult.MALFORMED:
            return _entry_page(link, error="Enter the 6-digit code from your invitation.", status=422)
        if check.result == CodeResult.WRONG:
            return _entry_page(link, error="That code is not right. Check it and try again.", status=422)
        if check.result == CodeResult.LOCKED:
            minutes = max(1, round(check.retry_after / 60))
            return _entry_page(
                link,
                status=429,
                retry_after=check.retry_after,
                error=f"Too many wrong codes. Try again in {minutes} minutes.",
            )
        if check.result == CodeResult.LOCKED_FOR_GOOD:
            return _entry_page(link, status=423, error="This code is locked after too many wrong tries.")
        remember = device_cookie_value(link)
    portal_links.record_entry(link, request.remote_addr, request.user_agent.string)
    start_session(link)
    org = db.session.get(Organization, link.org_id)
    response = redirect(url_for("portal.overview", slug=org.slug), code=303)
    if remember:
        response.set_cookie(
            device_cookie_name(link),
            remember,
            max_age=DEVICE_MAX_AGE,
            path="/p/",
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response
