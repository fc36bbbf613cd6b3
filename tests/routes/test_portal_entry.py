"""Entering the portal: GET changes nothing, a human step opens the session, access codes lock out."""

from datetime import UTC, datetime, timedelta

import pytest

from portal.extensions import db
from portal.models import Activity, PortalLink
from tests.conftest import make_test_app
from tests.factories import make_client, make_link, make_org, make_project, make_shared_project

CODE = "204816"


@pytest.fixture
def linked(ctx):
    org = make_org("Skyline", slug="skyline")
    shared = make_shared_project(org, "alex@example.com", "Alex", "Marina shoot")
    return org, shared.project, shared.link, shared.token


def _count(link):
    db.session.expire_all()
    return db.session.get(PortalLink, link.id)


def test_get_changes_nothing(client, linked):
    _org, _project, link, token = linked
    before = db.session.execute(db.select(db.func.count(Activity.id))).scalar()
    page = client.get(f"/p/{token}")
    assert page.status_code == 200 and "Open portal" in page.text and "Skyline" in page.text
    assert _count(link).access_count == 0
    assert db.session.execute(db.select(db.func.count(Activity.id))).scalar() == before
    assert client.get("/portal/skyline/").status_code == 404  # no session was started


def test_open_button_starts_session_and_counts(client, linked):
    _org, _project, link, token = linked
    response = client.post(f"/p/{token}")
    assert response.status_code == 303 and response.headers["Location"].endswith("/portal/skyline/")
    assert token not in response.headers["Location"]
    page = client.get("/portal/skyline/")
    assert page.status_code == 200 and "Marina shoot" in page.text and "Welcome, Alex" in page.text
    refreshed = _count(link)
    assert refreshed.access_count == 1 and refreshed.last_accessed_at is not None
    verbs = db.session.execute(db.select(Activity.verb).where(Activity.subject_id == link.id)).scalars().all()
    assert "link.entered" in verbs


def test_session_is_regenerated_on_each_entry(client, linked):
    _org, _project, _link, token = linked
    client.post(f"/p/{token}")
    with client.session_transaction() as session:
        first = dict(session["portal"])
    client.post(f"/p/{token}")
    with client.session_transaction() as session:
        second = dict(session["portal"])
    assert first.keys() == second.keys()
    first_entry, second_entry = next(iter(first.values())), next(iter(second.values()))
    assert first_entry["i"] != second_entry["i"] and first_entry["k"] != second_entry["k"]
    # The first session ended on the server: replaying its cookie opens nothing.
    with client.session_transaction() as session:
        session["portal"] = first
    assert client.get("/portal/skyline/").status_code == 404


def test_code_flow_and_device_memory(client, ctx):
    org = make_org(slug="coded")
    customer = make_client(org)
    link, token = make_link(org, customer, make_project(org, customer), code=CODE)
    page = client.get(f"/p/{token}")
    assert 'name="code"' in page.text
    for bad, message in (("12345", "6-digit"), ("12a456", "6-digit"), ("", "6-digit"), ("9999999", "6-digit")):
        response = client.post(f"/p/{token}", data={"code": bad})
        assert response.status_code == 422 and message in response.text
    assert _count(link).failed_attempts == 0  # malformed codes are not guesses
    wrong = client.post(f"/p/{token}", data={"code": "000000"})
    assert wrong.status_code == 422 and "not right" in wrong.text
    assert _count(link).failed_attempts == 1
    right = client.post(f"/p/{token}", data={"code": CODE})
    assert right.status_code == 303
    assert f"portal_code_{link.id}" in right.headers.get("Set-Cookie", "")
    assert _count(link).failed_attempts == 0
    # The device remembers the code: next time the button alone opens the portal.
    again = client.get(f"/p/{token}")
    assert 'name="code"' not in again.text and "Open portal" in again.text
    assert client.post(f"/p/{token}").status_code == 303


def test_sixth_try_refused_even_with_right_code(client, ctx):
    org = make_org(slug="locky")
    customer = make_client(org)
    link, token = make_link(org, customer, make_project(org, customer), code=CODE)
    codes = [client.post(f"/p/{token}", data={"code": "111111"}).status_code for _ in range(5)]
    assert codes == [422, 422, 422, 422, 429]
    sixth = client.post(f"/p/{token}", data={"code": CODE})
    assert sixth.status_code == 429 and 840 <= int(sixth.headers["Retry-After"]) <= 900
    assert "Too many wrong codes" in sixth.text
    assert client.get("/portal/locky/").status_code == 404
    locks = db.session.execute(db.select(Activity).where(Activity.verb == "link.locked")).scalars().all()
    assert len(locks) == 1
    # After the pause the right code works again.
    stored = _count(link)
    stored.locked_until = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    assert client.post(f"/p/{token}", data={"code": CODE}).status_code == 303


def test_counter_survives_an_app_restart(ctx, database_url, tmp_path):
    org = make_org(slug="restart")
    customer = make_client(org)
    link, token = make_link(org, customer, make_project(org, customer), code=CODE)
    first = make_test_app(database_url, tmp_path).test_client()
    for _ in range(3):
        first.post(f"/p/{token}", data={"code": "111111"})
    restarted = make_test_app(database_url, tmp_path).test_client()
    responses = [restarted.post(f"/p/{token}", data={"code": "111111"}).status_code for _ in range(2)]
    assert responses == [422, 429]
    assert restarted.post(f"/p/{token}", data={"code": CODE}).status_code == 429


def test_twenty_wrong_codes_lock_until_operator_sets_a_new_one(client, ctx):
    org = make_org(slug="twenty")
    customer = make_client(org)
    link, token = make_link(org, customer, make_project(org, customer), code=CODE)
    for _ in range(20):
        stored = _count(link)
        stored.locked_until = None  # skip the 15-minute pauses
        db.session.commit()
        client.post(f"/p/{token}", data={"code": "111111"})
    stored = _count(link)
    assert stored.failed_attempts == 20 and stored.code_locked
    refused = client.post(f"/p/{token}", data={"code": CODE})
    assert refused.status_code == 423 and "locked" in refused.text
    from portal.services import portal_links
    from portal.services.activity import Actor

    new_code = portal_links.rotate_code(stored, Actor("operator", "Op"))
    assert client.post(f"/p/{token}", data={"code": new_code}).status_code == 303


def test_revocation_ends_open_sessions(client, linked):
    _org, _project, link, token = linked
    client.post(f"/p/{token}")
    assert client.get("/portal/skyline/").status_code == 200
    stored = _count(link)
    stored.revoked_at = datetime.now(UTC)
    db.session.commit()
    assert client.get("/portal/skyline/").status_code == 404
    stored.revoked_at = None  # even un-revoking does not bring the ended session back
    db.session.commit()
    assert client.get("/portal/skyline/").status_code == 404


def test_code_rotation_ends_sessions_opened_with_the_old_code(client, ctx):
    org = make_org(slug="rotate")
    customer = make_client(org)
    link, token = make_link(org, customer, make_project(org, customer), code=CODE)
    client.post(f"/p/{token}", data={"code": CODE})
    assert client.get("/portal/rotate/").status_code == 200
    from portal.services import portal_links
    from portal.services.activity import Actor

    portal_links.rotate_code(_count(link), Actor("operator", "Op"))
    ended = client.get("/portal/rotate/")
    assert ended.status_code == 403 and "your link still works" in ended.text and "Leave portal" not in ended.text
    assert 'name="code"' in client.get(f"/p/{token}").text  # the remembered device cookie is for the old code


def test_expiry_bites_at_the_second(client, ctx):
    org = make_org(slug="expiring")
    customer = make_client(org)
    link, token = make_link(org, customer, make_project(org, customer))
    stored = _count(link)
    stored.expires_at = datetime.now(UTC) + timedelta(seconds=1)
    db.session.commit()
    assert client.post(f"/p/{token}").status_code == 303
    assert client.get("/portal/expiring/").status_code == 200
    stored.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/portal/expiring/").status_code == 404
    assert client.get(f"/p/{token}").status_code == 404


def test_forged_and_foreign_device_cookies_are_ignored(client, ctx):
    org_a, org_b = make_org(slug="alpha"), make_org(slug="beta")
    client_a, client_b = make_client(org_a, email="x@example.com"), make_client(org_b, email="x@example.com")
    link_a, token_a = make_link(org_a, client_a, make_project(org_a, client_a), code=CODE)
    link_b, token_b = make_link(org_b, client_b, make_project(org_b, client_b), code="777777")
    response = client.post(f"/p/{token_a}", data={"code": CODE})
    cookie = response.headers["Set-Cookie"].split(";", 1)[0].split("=", 1)[1]
    # A's cookie presented as B's: bound to another org and link, so B still asks for its own code.
    client.set_cookie(f"portal_code_{link_b.id}", cookie, path="/p/")
    assert 'name="code"' in client.get(f"/p/{token_b}").text
    assert client.post(f"/p/{token_b}").status_code == 422
    client.set_cookie(f"portal_code_{link_b.id}", "forged.value.signature", path="/p/")
    assert 'name="code"' in client.get(f"/p/{token_b}").text


def test_forged_session_cookie_opens_nothing(client, linked):
    client.set_cookie("session", "eyJwb3J0YWwiOnsiMSI6eyJsIjoxfX19.forged.signature")
    assert client.get("/portal/skyline/").status_code == 404


def test_leave_ends_the_session(client, linked):
    _org, _project, _link, token = linked
    client.post(f"/p/{token}")
    response = client.post("/portal/skyline/leave")
    assert response.status_code == 303 and "You have left" in client.get(response.headers["Location"]).text
    assert client.get("/portal/skyline/").status_code == 404


def test_portal_headers(client, linked):
    _org, _project, _link, token = linked
    for response in (
        client.get(f"/p/{token}"),
        client.get("/p/unknown"),
        client.post(f"/p/{token}"),
        client.get("/portal/skyline/"),
    ):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_flags(tmp_path, database_url, ctx):
    app = make_test_app(database_url, tmp_path, SESSION_COOKIE_SECURE=True)
    org = make_org(slug="cookies")
    customer = make_client(org)
    _link, token = make_link(org, customer, make_project(org, customer), code=CODE)
    response = app.test_client().post(f"/p/{token}", data={"code": CODE})
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all("HttpOnly" in c and "SameSite=Lax" in c and "Secure" in c for c in cookies)


def test_per_ip_limit_on_code_attempts(tmp_path, database_url, ctx):
    app = make_test_app(database_url, tmp_path, RATELIMIT_ENABLED=True, PORTAL_CODE_RATE_LIMIT="3 per minute")
    org = make_org(slug="perip")
    customer = make_client(org)
    _link, token = make_link(org, customer, make_project(org, customer), code=CODE)
    test_client = app.test_client()
    codes = [test_client.post(f"/p/{token}", data={"code": "12"}).status_code for _ in range(4)]
    assert codes == [422, 422, 422, 429]


def test_robots_txt_disallows_links_and_portal(client):
    body = client.get("/robots.txt").text
    assert "Disallow: /p/" in body and "Disallow: /portal/" in body
