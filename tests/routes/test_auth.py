"""Operator sign-up, login, logout, rate limit and organization switching."""

import pytest

from portal.extensions import db
from portal.models import Membership, Organization, User
from tests.conftest import login, make_test_app
from tests.factories import PASSWORD, make_org, make_user


def test_signup_creates_org_and_owner(client, ctx):
    response = client.post(
        "/signup",
        data={
            "name": "Dana Pilot",
            "email": " Dana@Example.COM ",
            "password": "long enough pw",
            "org_name": "Dana Drones",
        },
    )
    assert response.status_code == 303
    user = db.session.execute(db.select(User)).scalar_one()
    assert user.email == "dana@example.com" and user.password_hash != "long enough pw"
    membership = db.session.execute(db.select(Membership)).scalar_one()
    assert membership.role == "owner"
    assert db.session.get(Organization, membership.org_id).name == "Dana Drones"
    assert client.get("/app/clients").status_code == 200


def test_signup_rejects_short_password_and_duplicate_email(client, ctx):
    short = client.post("/signup", data={"name": "A", "email": "a@example.com", "password": "short", "org_name": "A"})
    assert short.status_code == 422 and b"Use at least 10 characters" in short.data
    make_user(make_org(), email="taken@example.com")
    dup = client.post(
        "/signup", data={"name": "B", "email": "TAKEN@example.com", "password": "long enough pw", "org_name": "B"}
    )
    assert dup.status_code == 422 and b"already exists" in dup.data
    assert db.session.execute(db.select(db.func.count(Organization.id))).scalar() == 1


def test_login_wrong_password_and_success(client, ctx):
    user = make_user(make_org(), email="op@example.com")
    bad = client.post("/login", data={"email": "op@example.com", "password": "nope"})
    assert bad.status_code == 422 and b"Email or password is wrong" in bad.data
    good = client.post("/login?next=/app/clients", data={"email": "OP@example.com", "password": PASSWORD})
    assert good.status_code == 303 and good.headers["Location"].endswith("/app/clients")
    assert user.id


def test_login_ignores_offsite_next(client, ctx):
    make_user(make_org(), email="op@example.com")
    response = client.post("/login?next=//evil.example/x", data={"email": "op@example.com", "password": PASSWORD})
    assert "evil.example" not in response.headers["Location"]


def test_logout_is_post_only(client, ctx):
    org = make_org()
    login(client, make_user(org), org)
    assert client.get("/logout").status_code == 405
    assert client.get("/app/clients").status_code == 200
    assert client.post("/logout").status_code == 303
    assert client.get("/app/clients").status_code == 302


def test_login_rate_limit(tmp_path, database_url):
    app = make_test_app(database_url, tmp_path, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    test_client = app.test_client()
    codes = [
        test_client.post("/login", data={"email": "x@example.com", "password": "bad"}).status_code for _ in range(4)
    ]
    assert codes == [422, 422, 422, 429]
    assert b"Too many attempts" in test_client.post("/login", data={}).data


def test_csrf_required_on_posts(tmp_path, database_url):
    app = make_test_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    response = app.test_client().post("/login", data={"email": "x@example.com", "password": "whatever"})
    assert response.status_code == 400


def test_switch_organization(client, ctx):
    first, second, foreign = make_org("Alpha"), make_org("Beta"), make_org("Gamma")
    user = make_user(first)
    db.session.add(Membership(user_id=user.id, org_id=second.id, role="member"))
    db.session.commit()
    login(client, user, first)
    page = client.get("/app/clients")
    assert b"Beta" in page.data and b"Gamma" not in page.data
    assert client.post("/switch-organization", data={"org_id": second.id}).status_code == 303
    assert b"Beta" in client.get("/app/clients").data.split(b"</a>")[0]
    assert client.post("/switch-organization", data={"org_id": foreign.id}).status_code == 404


def test_htmx_request_when_logged_out_gets_hx_redirect(client):
    response = client.get("/app/clients", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "/login" in response.headers["HX-Redirect"]


@pytest.mark.parametrize("path", ["/login", "/app/clients"])
def test_security_headers(client, ctx, path):
    org = make_org()
    login(client, make_user(org), org)
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_robots_and_health(client, ctx):
    assert "Disallow: /p/" in client.get("/robots.txt").get_data(as_text=True)
    assert client.get("/healthz").json == {"status": "ok", "database": "ok", "redis": "not configured"}


def test_htmx_is_vendored_or_pinned_with_sri(tmp_path, database_url):
    offline = make_test_app(database_url, tmp_path).test_client().get("/login").get_data(as_text=True)
    assert "js/htmx-2.0.11.min.js" in offline and "cdn.jsdelivr" not in offline
    online = make_test_app(database_url, tmp_path, HTMX_USE_CDN=True).test_client().get("/login").get_data(as_text=True)
    assert 'integrity="sha384-' in online and "htmx.org@2.0.11" in online and "htmx-fallback.js" in online


def test_vendored_htmx_matches_the_pinned_sri(app):
    import base64
    import hashlib
    from pathlib import Path

    data = (Path(app.static_folder) / "js/htmx-2.0.11.min.js").read_bytes()
    assert app.config["HTMX_SRI"] == "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()
