"""What a device remembers between portal sessions: the emails verified on it, the access codes entered on it,
and the organizations these reveal (the switcher's entries)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from portal.extensions import db
from portal.models import Organization, PortalLink
from portal.services.portal_links import active_link_condition

DEVICE_MAX_AGE = 30 * 24 * 3600
DEVICE_COOKIE_PREFIX = "portal_code_"
VERIFIED_COOKIE = "portal_verified"
VERIFIED_MAX_AGE = 90 * 24 * 3600


def _verified_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="portal-verified-email")


def verified_emails(value: str | None) -> dict[str, int]:
    """The emails verified on this device in the last 90 days, with when (from the signed cookie)."""
    if not value:
        return {}
    try:
        data = _verified_serializer().loads(value, max_age=VERIFIED_MAX_AGE)
    except BadSignature:
        return {}
    now = time.time()
    if not isinstance(data, dict):
        return {}
    return {
        email: at
        for email, at in data.items()
        if isinstance(email, str) and isinstance(at, int) and now - at < VERIFIED_MAX_AGE
    }


def verified_cookie_value(current: str | None, email: str) -> str:
    """The cookie value once ``email`` is verified on this device, keeping the others still valid."""
    emails = verified_emails(current)
    emails[email] = int(time.time())
    return _verified_serializer().dumps(emails)


def set_verified_cookie(response, email: str) -> None:
    """Remember on this device that ``email`` is verified (90 days), keeping the other addresses it remembers."""
    response.set_cookie(
        VERIFIED_COOKIE,
        verified_cookie_value(request.cookies.get(VERIFIED_COOKIE), email),
        max_age=VERIFIED_MAX_AGE,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


def discoverable_orgs(current_org_id: int | None, emails, exclude=()) -> list:
    """Organizations with an active link for an email verified on this device (the switcher's other entries)."""
    emails = list(emails)
    if not emails:
        return []
    now = datetime.now(UTC)
    query = (
        db.select(Organization.id, Organization.name, Organization.slug)
        .where(
            Organization.id.in_(
                db.select(PortalLink.org_id).where(PortalLink.client_email.in_(emails), active_link_condition(now))
            )
        )
        .order_by(Organization.name)
    )
    skip = {current_org_id, *exclude}
    return [row for row in db.session.execute(query).all() if row.id not in skip]


def discovered_link(org_slug: str, emails) -> PortalLink | None:
    """The newest active link of this organization for an email verified on this device."""
    emails = list(emails)
    if not emails:
        return None
    now = datetime.now(UTC)
    return db.session.execute(
        db.select(PortalLink)
        .join(Organization, Organization.id == PortalLink.org_id)
        .where(Organization.slug == org_slug, PortalLink.client_email.in_(emails), active_link_condition(now))
        .order_by(PortalLink.created_at.desc(), PortalLink.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="portal-device-code")


def device_cookie_name(link: PortalLink) -> str:
    """The cookie that remembers a verified access code for one link on this device."""
    return f"{DEVICE_COOKIE_PREFIX}{link.id}"


def device_cookie_value(link: PortalLink) -> str:
    """A signed value bound to the organization, the link and its code version."""
    return _device_serializer().dumps({"o": link.org_id, "l": link.id, "v": link.access_code_version})


def remember_code(response, link: PortalLink) -> None:
    """Remember on this device that the link's current access code was entered (30 days)."""
    response.set_cookie(
        device_cookie_name(link),
        device_cookie_value(link),
        max_age=DEVICE_MAX_AGE,
        path="/p/",
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


def device_remembers_code(link: PortalLink, value: str | None) -> bool:
    """Whether this device verified the link's current code in the last 30 days."""
    if not value or not link.access_code_hash:
        return False
    try:
        data = _device_serializer().loads(value, max_age=DEVICE_MAX_AGE)
    except BadSignature:
        return False
    return data == {"o": link.org_id, "l": link.id, "v": link.access_code_version}


def remembered_codes(org_id: int) -> dict[int, int]:
    """The links of this organization whose code this device entered in the last 30 days, with the code version."""
    remembered = {}
    for name, value in request.cookies.items():
        if not name.startswith(DEVICE_COOKIE_PREFIX):
            continue
        try:
            data = _device_serializer().loads(value, max_age=DEVICE_MAX_AGE)
        except BadSignature:
            continue
        if isinstance(data, dict) and data.get("o") == org_id and isinstance(data.get("l"), int):
            remembered[data["l"]] = data.get("v")
    return remembered


def forget_device(response, org_id: int, email: str) -> None:
    """Make this device forget what it remembered for the email in one organization: the access codes entered
    for its links, and (for every organization, since it proves the same mailbox) the verified address."""
    link_ids = db.session.execute(
        db.select(PortalLink.id).where(PortalLink.org_id == org_id, PortalLink.client_email == email)
    ).scalars()
    for link_id in link_ids:
        response.delete_cookie(f"{DEVICE_COOKIE_PREFIX}{link_id}", path="/p/", httponly=True, samesite="Lax")
    emails = verified_emails(request.cookies.get(VERIFIED_COOKIE))
    if emails.pop(email, None) is None:
        return
    if emails:
        response.set_cookie(
            VERIFIED_COOKIE,
            _verified_serializer().dumps(emails),
            max_age=VERIFIED_MAX_AGE,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    else:
        response.delete_cookie(VERIFIED_COOKIE, path="/", httponly=True, samesite="Lax")
