"""Entry by secure link: GET shows a page and changes nothing; a human step opens the session.

Where the link requires it, the client first proves the address with a code mailed to it; once an address is
verified on a device, the switcher also opens the other organizations that invited it (``/p/switch/<slug>``).
"""

from __future__ import annotations

from flask import abort, current_app, make_response, redirect, render_template, request, url_for

from portal.client import bp
from portal.client.devices import (
    VERIFIED_COOKIE,
    device_cookie_name,
    device_remembers_code,
    discovered_link,
    remember_code,
    set_verified_cookie,
    verified_emails,
)
from portal.client.session import session_entry, start_session
from portal.extensions import db, limiter
from portal.jobs.email import dispatch
from portal.models import Organization, PortalLink
from portal.services import access_codes, email_verification, portal_links
from portal.services.access_codes import CodeResult
from portal.services.email_verification import VerifyResult


def _entry_limit() -> str:
    return current_app.config["PORTAL_ENTRY_RATE_LIMIT"]


def _code_limit() -> str:
    return current_app.config["PORTAL_CODE_RATE_LIMIT"]


def mask_email(email: str) -> str:
    """An address shown without giving it away to whoever holds the link: a•••@example.com."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def _email_verified(link: PortalLink) -> bool:
    return not link.require_email_verification or link.client_email in verified_emails(
        request.cookies.get(VERIFIED_COOKIE)
    )


def _needs_code(link: PortalLink) -> bool:
    return bool(link.access_code_hash) and not device_remembers_code(
        link, request.cookies.get(device_cookie_name(link))
    )


def _entry_page(
    link: PortalLink,
    *,
    action: str | None = None,
    error: str | None = None,
    email_error: str | None = None,
    code_sent: bool = False,
    status: int = 200,
    retry_after: int | None = None,
    set_verified: str | None = None,
):
    org = db.session.get(Organization, link.org_id)
    token = (request.view_args or {}).get("token")
    response = make_response(
        render_template(
            "client/entry.html",
            org=org,
            link=link,
            action=action or url_for("portal.enter", token=token),
            token=token,
            needs_email=not _email_verified(link) and not set_verified,
            masked_email=mask_email(link.client_email),
            code_sent=code_sent,
            code_minutes=email_verification.CODE_VALID_MINUTES,
            email_error=email_error,
            needs_code=_needs_code(link),
            error=error,
            locked=link.code_locked,
        ),
        status,
    )
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    if set_verified:
        set_verified_cookie(response, set_verified)
    return response


def _or_404(link: PortalLink | None) -> PortalLink:
    if link is None:
        abort(404)
    return link


def _active_or_404(token: str, *, verifying: bool = False) -> PortalLink:
    link = portal_links.find_active_link(token)
    if verifying and link is not None and not link.require_email_verification:
        link = None  # the email check's routes exist only for a link that asks for it
    return _or_404(link)


@bp.get("/p/<token>")
@limiter.limit(_entry_limit)
def entry(token: str):
    """The link's landing page: an "Open portal" button, the access-code form, or the email check (with the code
    field while a code mailed earlier can still be typed)."""
    link = _active_or_404(token)
    pending = not _email_verified(link) and email_verification.code_pending(link)
    return _entry_page(link, code_sent=pending)


def _open(link: PortalLink, action: str, *, set_verified: str | None = None):
    """Check the access code where one is needed, then start the session and leave the token behind."""
    remember = False
    if _needs_code(link):
        check = access_codes.check_code(
            link, request.form.get("code", ""), request.remote_addr, request.user_agent.string
        )
        db.session.refresh(link)
        page = {"action": action, "set_verified": set_verified}
        if check.result == CodeResult.MALFORMED:
            return _entry_page(link, error="Enter the 6-digit code from your invitation.", status=422, **page)
        if check.result == CodeResult.WRONG:
            return _entry_page(link, error="That code is not right. Check it and try again.", status=422, **page)
        if check.result == CodeResult.LOCKED:
            minutes = max(1, round(check.retry_after / 60))
            return _entry_page(
                link,
                status=429,
                retry_after=check.retry_after,
                error=f"Too many wrong codes. Try again in {minutes} minutes.",
                **page,
            )
        if check.result == CodeResult.LOCKED_FOR_GOOD:
            return _entry_page(link, status=423, error="This code is locked after too many wrong tries.", **page)
        remember = True
    portal_links.record_entry(link, request.remote_addr, request.user_agent.string)
    verified = set_verified == link.client_email or link.client_email in verified_emails(
        request.cookies.get(VERIFIED_COOKIE)
    )
    start_session(link, email_verified=verified)
    org = db.session.get(Organization, link.org_id)
    response = redirect(url_for("portal.overview", slug=org.slug), code=303)
    if remember:
        remember_code(response, link)
    if set_verified:
        set_verified_cookie(response, set_verified)
    return response


@bp.post("/p/<token>")
@limiter.limit(_entry_limit)
@limiter.limit(_code_limit)
def enter(token: str):
    """Open the portal session (after the email check and the access code, where the link has them)."""
    link = _active_or_404(token)
    if not _email_verified(link):
        return _entry_page(link, email_error="First confirm your email address with a code.", status=403)
    return _open(link, url_for("portal.enter", token=token))


@bp.post("/p/<token>/email-code")
@limiter.limit(_entry_limit)
@limiter.limit(_code_limit)
def email_code(token: str):
    """Mail a one-time code to the link's address."""
    link = _active_or_404(token, verifying=True)
    asked = email_verification.request_code(link, request.remote_addr, request.user_agent.string)
    if not asked.sent:
        minutes = max(1, round(asked.retry_after / 60))
        return _entry_page(
            link,
            status=429,
            retry_after=asked.retry_after,
            code_sent=True,
            email_error=f"Too many codes asked for. Try again in {minutes} minutes, or use the last code sent.",
        )
    dispatch(asked.outbox)
    return _entry_page(link, code_sent=True)


EMAIL_ERRORS = {
    VerifyResult.MALFORMED: ("Enter the 6 digits from the email.", 422),
    VerifyResult.WRONG: ("That code is not right. Check the latest email and try again.", 422),
    VerifyResult.EXPIRED: ("This code has expired. Ask for a new one.", 422),
    VerifyResult.LOCKED: ("Too many wrong codes: this one no longer works. Ask for a new one.", 429),
    VerifyResult.NONE: ("Ask for a code first.", 422),
}


@bp.post("/p/<token>/verify-email")
@limiter.limit(_entry_limit)
@limiter.limit(_code_limit)
def verify_email(token: str):
    """Check the mailed code; the device then counts as this address for 90 days."""
    link = _active_or_404(token, verifying=True)
    result = email_verification.check_code(
        link, request.form.get("email_code", ""), request.remote_addr, request.user_agent.string
    )
    if result != VerifyResult.OK:
        message, status = EMAIL_ERRORS[result]
        return _entry_page(link, code_sent=True, email_error=message, status=status)
    if _needs_code(link):
        # One more human step: the access code, on the same page, with the address now remembered.
        return _entry_page(link, set_verified=link.client_email)
    return _open(link, url_for("portal.enter", token=token), set_verified=link.client_email)


def _discovered_or_404(org_slug: str) -> PortalLink:
    return _or_404(discovered_link(org_slug, verified_emails(request.cookies.get(VERIFIED_COOKIE))))


@bp.get("/p/switch/<org_slug>")
@limiter.limit(_entry_limit)
def switch(org_slug: str):
    """Another organization that invited an address verified on this device: its own entry page."""
    link = _discovered_or_404(org_slug)
    if session_entry(org_slug) is not None:
        return redirect(url_for("portal.overview", slug=org_slug), code=303)
    return _entry_page(link, action=url_for("portal.switch_enter", org_slug=org_slug))


@bp.post("/p/switch/<org_slug>")
@limiter.limit(_entry_limit)
@limiter.limit(_code_limit)
def switch_enter(org_slug: str):
    """Open that organization's portal, with its own access code where its link has one."""
    link = _discovered_or_404(org_slug)
    return _open(link, url_for("portal.switch_enter", org_slug=org_slug))
