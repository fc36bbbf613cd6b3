"""Email verification on entry (a mailed one-time code) and the cross-organization switcher it unlocks."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from portal.extensions import db, mail
from portal.models import Activity, EmailVerification, Notification
from portal.services import email_verification
from tests.conftest import make_test_app
from tests.factories import make_client, make_link, make_org, make_project

EMAIL = "shared@example.com"


def _link(org_name="Home", email=EMAIL, code=None, verify=True, slug=None):
    org = make_org(org_name, slug=slug)
    customer = make_client(org, email=email, name=f"{org_name} client")
    project = make_project(org, customer, name=f"{org_name} project")
    link, token = make_link(org, customer, project, code=code, require_email_verification=verify)
    return org, link, token


def _ask(client, token):
    with mail.record_messages() as outbox:
        response = client.post(f"/p/{token}/email-code")
    return response, outbox


def _code_of(outbox) -> str:
    assert len(outbox) == 1
    return re.search(r"\b(\d{6})\b", outbox[0].body).group(1)


def test_entry_asks_for_the_email_check_and_get_changes_nothing(client, ctx):
    _org, _link_, token = _link()
    page = client.get(f"/p/{token}")
    assert page.status_code == 200 and "Email me a code" in page.text and "s•••@example.com" in page.text
    assert db.session.execute(db.select(db.func.count(EmailVerification.id))).scalar() == 0
    blocked = client.post(f"/p/{token}")
    assert blocked.status_code == 403 and "confirm your email address" in blocked.text
    assert client.get("/portal/home/").status_code == 404


def test_code_is_mailed_branded_and_never_stored(client, ctx):
    org, link, token = _link()
    response, outbox = _ask(client, token)
    assert response.status_code == 200 and 'id="email-code-sent"' in response.text
    code = _code_of(outbox)
    message = outbox[0]
    assert message.recipients == [EMAIL] and org.name in message.subject and code in message.html
    verification = db.session.execute(db.select(EmailVerification)).scalar_one()
    notification = db.session.execute(db.select(Notification)).scalar_one()
    stored = " ".join(map(str, (verification.code_hash, verification.code_nonce, notification.context)))
    assert code not in stored
    assert notification.status == "sent" and notification.kind == "verification_code"


def test_right_code_opens_the_portal_and_is_single_use(client, app, ctx):
    _org, _link_, token = _link(slug="home")
    _r, outbox = _ask(client, token)
    code = _code_of(outbox)
    opened = client.post(f"/p/{token}/verify-email", data={"email_code": code})
    assert opened.status_code == 303 and opened.headers["Location"].endswith("/portal/home/")
    assert "portal_verified=" in opened.headers["Set-Cookie"] and "Max-Age=7776000" in opened.headers["Set-Cookie"]
    assert client.get("/portal/home/").status_code == 200
    # The device is remembered: a later visit goes straight to the "Open portal" button.
    assert "Email me a code" not in client.get(f"/p/{token}").text
    other = app.test_client()
    reused = other.post(f"/p/{token}/verify-email", data={"email_code": code})
    assert reused.status_code == 422 and "Ask for a code first" in reused.text


def test_five_wrong_codes_lock_the_code(client, ctx):
    _org, _link_, token = _link()
    _r, outbox = _ask(client, token)
    code = _code_of(outbox)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    statuses = [client.post(f"/p/{token}/verify-email", data={"email_code": wrong}).status_code for _ in range(5)]
    assert statuses == [422, 422, 422, 422, 429]
    locked = client.post(f"/p/{token}/verify-email", data={"email_code": code})
    assert locked.status_code == 429 and "no longer works" in locked.text
    assert db.session.execute(db.select(EmailVerification.attempts)).scalar() == 5
    assert db.session.execute(db.select(EmailVerification.used_at)).scalar() is None
    # A new code works again.
    _r, outbox = _ask(client, token)
    assert client.post(f"/p/{token}/verify-email", data={"email_code": _code_of(outbox)}).status_code == 303


def test_expired_code_is_refused(client, ctx):
    _org, _link_, token = _link()
    _r, outbox = _ask(client, token)
    code = _code_of(outbox)
    verification = db.session.execute(db.select(EmailVerification)).scalar_one()
    verification.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    response = client.post(f"/p/{token}/verify-email", data={"email_code": code})
    assert response.status_code == 422 and "expired" in response.text
    assert client.get("/portal/home/").status_code == 404


def test_a_new_code_replaces_the_previous_one(client, ctx):
    _org, _link_, token = _link()
    _r, first = _ask(client, token)
    old = _code_of(first)
    _r, second = _ask(client, token)
    new = _code_of(second)
    if old != new:
        assert client.post(f"/p/{token}/verify-email", data={"email_code": old}).status_code == 422
    assert client.post(f"/p/{token}/verify-email", data={"email_code": new}).status_code == 303


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "12 456", "9" * 5000, "１２３４５６"])
def test_malformed_codes_are_refused_without_counting(client, ctx, typed):
    _org, _link_, token = _link()
    _ask(client, token)
    response = client.post(f"/p/{token}/verify-email", data={"email_code": typed})
    assert response.status_code == 422 and "Enter the 6 digits" in response.text
    assert db.session.execute(db.select(EmailVerification.attempts)).scalar() == 0


def test_codes_per_hour_are_limited(client, ctx):
    _org, _link_, token = _link()
    for _ in range(email_verification.MAX_CODES_PER_HOUR):
        assert _ask(client, token)[0].status_code == 200
    response, outbox = _ask(client, token)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0 and outbox == []


def test_links_without_verification_have_no_code_endpoints(client, ctx):
    _org, _link_, token = _link(verify=False)
    assert client.post(f"/p/{token}/email-code").status_code == 404
    assert client.post(f"/p/{token}/verify-email", data={"email_code": "123456"}).status_code == 404
    assert client.post(f"/p/{token}").status_code == 303


def test_verification_then_access_code(client, ctx):
    _org, link, token = _link(code="424242", slug="coded")
    _r, outbox = _ask(client, token)
    page = client.post(f"/p/{token}/verify-email", data={"email_code": _code_of(outbox)})
    assert page.status_code == 200 and 'name="code"' in page.text and "portal_verified=" in page.headers["Set-Cookie"]
    assert client.post(f"/p/{token}", data={"code": "111111"}).status_code == 422
    assert client.post(f"/p/{token}", data={"code": "424242"}).status_code == 303


def test_verified_device_reaches_the_other_organizations_sharing_the_email_and_no_others(client, app, ctx):
    _home, _l, token = _link("Home", slug="home")
    _link("Coded Org", code="135790", verify=False, slug="coded")
    _link("Plain Org", verify=False, slug="plain")
    _link("Stranger Org", email="someone@else.example", verify=False, slug="stranger")
    _revoked_org, revoked_link, _t = _link("Revoked Org", verify=False, slug="revoked")
    revoked_link.revoked_at = datetime.now(UTC)
    db.session.commit()

    before = client.post(f"/p/{token}")
    assert before.status_code == 403
    assert client.get("/p/switch/plain").status_code == 404  # nothing verified on this device yet

    _r, outbox = _ask(client, token)
    assert client.post(f"/p/{token}/verify-email", data={"email_code": _code_of(outbox)}).status_code == 303
    overview = client.get("/portal/home/").text
    assert "/p/switch/coded" in overview and "/p/switch/plain" in overview
    assert "Stranger Org" not in overview and "Revoked Org" not in overview

    assert client.get("/p/switch/stranger").status_code == 404
    assert client.get("/p/switch/revoked").status_code == 404
    assert client.get("/p/switch/nope").status_code == 404

    # Its own access code is still needed.
    entry = client.get("/p/switch/coded")
    assert entry.status_code == 200 and 'name="code"' in entry.text
    assert client.get("/portal/coded/").headers["Location"].endswith("/p/switch/coded")  # the entry, not the portal
    assert client.post("/p/switch/coded", data={"code": "000000"}).status_code == 422
    entered = client.post("/p/switch/coded", data={"code": "135790"})
    assert entered.status_code == 303 and entered.headers["Location"].endswith("/portal/coded/")
    assert client.get("/portal/coded/").status_code == 200

    # Links in emails point at token-free pages: without a session there, the verified device is offered the entry.
    from_email = client.get("/portal/plain/projects")
    assert from_email.status_code == 302 and from_email.headers["Location"].endswith("/p/switch/plain")
    assert client.post("/p/switch/plain").status_code == 303
    plain_page = client.get("/portal/plain/")
    assert plain_page.status_code == 200 and "Plain Org project" in plain_page.text
    assert "Stranger Org" not in plain_page.text
    # Once open, the switcher links straight to the session.
    assert client.get("/p/switch/plain").status_code == 303

    # Leaving makes the device forget the address too: the next person at a shared computer is offered nothing.
    assert client.post("/portal/plain/leave").status_code == 303
    assert client.get("/portal/plain/projects").status_code == 404
    assert client.get("/p/switch/plain").status_code == 404
    assert client.get("/portal/stranger/projects").status_code == 404

    # Another device, without the verification cookie, reaches none of them.
    other = app.test_client()
    assert other.get("/p/switch/coded").status_code == 404
    assert other.post("/p/switch/plain").status_code == 404
    assert other.get("/portal/plain/").status_code == 404
    assert (
        db.session.execute(db.select(db.func.count(Activity.id)).where(Activity.verb == "email.verified")).scalar() == 1
    )


def test_a_forged_verification_cookie_is_ignored(client, ctx):
    _link("Plain Org", verify=False, slug="plain")
    client.set_cookie("portal_verified", "eyJzaGFyZWRAZXhhbXBsZS5jb20iOjF9.forged.signature")
    assert client.get("/p/switch/plain").status_code == 404


def test_csrf_protects_the_code_endpoints(app, database_url, tmp_path):
    app = make_test_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        _org, _link_, token = _link()
        client = app.test_client()
        assert client.post(f"/p/{token}/email-code").status_code == 400
        assert client.post(f"/p/{token}/verify-email", data={"email_code": "123456"}).status_code == 400
        assert client.post("/p/switch/home").status_code == 400
        assert db.session.execute(db.select(db.func.count(EmailVerification.id))).scalar() == 0
        db.session.remove()
