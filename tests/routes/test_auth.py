"""Operator sign-up proven by email, login (throttled, equal-time), server-side sessions and switching."""

import re

import pytest

from portal.extensions import db, mail
from portal.models import Activity, LoginThrottle, Membership, Notification, Organization, User
from portal.services import accounts, login_throttle
from tests.conftest import login, make_test_app
from tests.factories import PASSWORD, make_org, make_user

SIGNUP = {"name": "Dana Pilot", "email": " Dana@Example.COM ", "password": "long enough pw", "org_name": "Dana Drones"}


def _path(message) -> str:
    """The path of the first link of this app in an email."""
    return re.search(r"https?://[^/\s]+(/[^\s\"<]+)", message.body).group(1)


def _page(response, address: str) -> str:
    """The page's text with the address and the (time-stamped) CSRF token taken out."""
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", response.text.replace(address, "X@"))


def _setup(app, email="op@example.com", **fields):
    with app.app_context():
        org = make_org(**fields)
        user = make_user(org, email=email)
        return org.id, user.id


def test_signup_creates_nothing_until_the_email_is_confirmed(app, client):
    with mail.record_messages() as sent:
        response = client.post("/signup", data=SIGNUP)
    assert response.status_code == 200 and "Check your email" in response.text
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(User.id))).scalar() == 0
        assert db.session.execute(db.select(db.func.count(Organization.id))).scalar() == 0
        assert db.session.execute(db.select(Notification.org_id)).scalar_one() is None
    assert [m.recipients for m in sent] == [["dana@example.com"]]
    link = _path(sent[0])
    assert client.get(link).status_code == 200  # a mail scanner opening it changes nothing
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(User.id))).scalar() == 0
    confirmed = client.post(link)
    assert confirmed.status_code == 303 and confirmed.headers["Location"].endswith("/app/settings")
    with app.app_context():
        user = db.session.execute(db.select(User)).scalar_one()
        membership = db.session.execute(db.select(Membership)).scalar_one()
        assert user.email == "dana@example.com" and user.email_verified_at is not None
        assert membership.role == "owner" and user.last_org_id == membership.org_id
        assert db.session.get(Organization, membership.org_id).name == "Dana Drones"
    assert client.get("/app/clients").status_code == 200
    assert client.post(link).status_code == 404  # single use


def test_signup_does_not_reveal_an_existing_account(app, client):
    """Fails on the old code: it answered 'already exists' and attached nothing but told the attacker."""
    _setup(app, email="taken@example.com")
    with mail.record_messages() as sent:
        taken = client.post("/signup", data={**SIGNUP, "email": "TAKEN@example.com"})
        fresh = client.post("/signup", data={**SIGNUP, "email": "fresh@example.com"})
    assert taken.status_code == fresh.status_code == 200
    assert _page(taken, "taken@") == _page(fresh, "fresh@")
    by_address = {m.recipients[0]: m for m in sent}
    assert "Someone tried to sign up" in by_address["taken@example.com"].subject
    assert "/confirm-email/" not in by_address["taken@example.com"].body
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Organization.id))).scalar() == 1


def test_signup_takes_as_long_for_an_existing_account(app, client, monkeypatch):
    """The slow password hash runs whether or not the address has an account, so timing tells nothing either."""
    import time

    _setup(app, email="taken@example.com")
    real = accounts.generate_password_hash
    monkeypatch.setattr(accounts, "generate_password_hash", lambda p: time.sleep(0.3) or real(p))
    elapsed = {}
    for email in ("taken@example.com", "fresh@example.com"):
        started = time.perf_counter()
        assert client.post("/signup", data={**SIGNUP, "email": email}).status_code == 200
        elapsed[email] = time.perf_counter() - started
    assert elapsed["fresh@example.com"] >= 0.3
    assert elapsed["taken@example.com"] >= 0.3


def test_a_pending_signup_cannot_preclaim_an_address(app, client):
    """The attacker's sign-up never becomes an account; the owner's own link does, with the owner's password."""
    client.post("/signup", data={**SIGNUP, "email": "jane@victim.example", "password": "attacker pw 123"})
    with mail.record_messages() as sent:
        client.post("/signup", data={**SIGNUP, "email": "jane@victim.example", "password": "jane's own pw"})
    client.post(_path(sent[-1]))
    other = make_test_app(app.config["SQLALCHEMY_DATABASE_URI"], app.config["STORAGE_DIR"]).test_client()
    assert other.post("/login", data={"email": "jane@victim.example", "password": "attacker pw 123"}).status_code == 422
    assert other.post("/login", data={"email": "jane@victim.example", "password": "jane's own pw"}).status_code == 303


def test_signup_rejects_short_password(client):
    short = client.post("/signup", data={**SIGNUP, "password": "short"})
    assert short.status_code == 422 and "Use at least 10 characters" in short.text


def _unconfirmed_operator(app, email: str) -> None:
    """An operator whose address is not confirmed yet (password PASSWORD), as accounts made before proofs are."""
    with app.app_context():
        user = make_user(make_org(), email=email)
        user.email_verified_at = None
        db.session.commit()


def test_unconfirmed_account_gets_a_confirmation_link_instead_of_the_dashboard(app, client):
    _unconfirmed_operator(app, "old@example.com")
    with mail.record_messages() as sent:
        response = client.post("/login", data={"email": "old@example.com", "password": PASSWORD})
    assert response.status_code == 200 and "not confirmed yet" in response.text
    assert client.get("/app/clients").status_code == 302
    assert client.post(_path(sent[0]), data={"password": PASSWORD}).status_code == 303
    assert client.get("/app/clients").status_code == 200


def test_an_address_owner_cannot_confirm_an_account_someone_else_made_with_it(app, client):
    """An account made before addresses were proven may belong to whoever typed the address: confirming it needs its
    password too, so the address's owner clicking the link does not hand a verified account to the one who knows it."""
    _unconfirmed_operator(app, "jane@victim.example")  # the attacker typed PASSWORD
    attacker = app.test_client()
    with mail.record_messages() as sent:
        attacker.post("/login", data={"email": "jane@victim.example", "password": PASSWORD})
    link = _path(sent[0])
    jane = app.test_client()
    assert jane.get(link).status_code == 200
    refused = jane.post(link, data={"password": ""})
    assert refused.status_code == 422 and "password" in refused.text
    assert jane.get("/app/clients").status_code == 302
    with app.app_context():
        assert db.session.execute(db.select(User.email_verified_at)).scalar_one() is None
    again = attacker.post("/login", data={"email": "jane@victim.example", "password": PASSWORD})
    assert again.status_code == 200 and "not confirmed yet" in again.text
    assert attacker.get("/app/clients").status_code == 302


def test_confirmation_emails_are_capped_per_address(app, client):
    _unconfirmed_operator(app, "old@example.com")
    with mail.record_messages() as sent:
        for _ in range(7):
            client.post("/login", data={"email": "old@example.com", "password": PASSWORD})
    assert len(sent) == 5


def test_login_wrong_password_and_success(app, client):
    _setup(app)
    bad = client.post("/login", data={"email": "op@example.com", "password": "nope"})
    assert bad.status_code == 422 and "Email or password is wrong" in bad.text
    good = client.post("/login?next=/app/clients", data={"email": "OP@example.com", "password": PASSWORD})
    assert good.status_code == 303 and good.headers["Location"].endswith("/app/clients")


def test_login_ignores_offsite_next(app, client):
    _setup(app)
    response = client.post("/login?next=//evil.example/x", data={"email": "op@example.com", "password": PASSWORD})
    assert "evil.example" not in response.headers["Location"]


def test_login_hashes_a_password_for_unknown_emails_too(app, client, monkeypatch):
    """Fails on the old code: an unknown email returned before any hashing, so it answered faster."""
    _setup(app)
    calls = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda h, p: calls.append(h) or real(h, p))
    client.post("/login", data={"email": "op@example.com", "password": "wrong password"})
    client.post("/login", data={"email": "nobody@example.com", "password": "wrong password"})
    assert len(calls) == 2 and calls[0] != calls[1] and calls[1].startswith(("scrypt:", "pbkdf2:"))


def test_account_throttle_across_many_ips(app, client):
    """Fails on the old code: wrong passwords from rotating IPs were never counted per account."""
    _setup(app)
    with mail.record_messages() as sent:
        for n in range(login_throttle.MAX_FAILURES + 3):
            client.post(
                "/login",
                data={"email": "op@example.com", "password": f"guess {n}"},
                environ_base={"REMOTE_ADDR": f"10.0.{n}.1"},
            )
        right = client.post(
            "/login", data={"email": "op@example.com", "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.9.9.9"}
        )
    assert right.status_code == 429 and int(right.headers["Retry-After"]) > 60
    assert "Too many wrong passwords" in right.text
    assert [m.subject for m in sent] == ["Logins to your account were paused"]  # told once
    with app.app_context():
        assert db.session.get(LoginThrottle, "op@example.com").locked_until is not None
        assert db.session.execute(db.select(Notification.org_id)).scalar_one() is None


def test_unknown_emails_are_throttled_the_same_way(client):
    for n in range(login_throttle.MAX_FAILURES):
        client.post("/login", data={"email": "ghost@example.com", "password": f"guess {n}"})
    assert client.post("/login", data={"email": "ghost@example.com", "password": "x"}).status_code == 429


def test_logout_is_post_only_and_a_copied_cookie_dies_with_it(app, client):
    """Fails on the old code: the cookie copied before logout kept working."""
    _setup(app)
    client.post("/login", data={"email": "op@example.com", "password": PASSWORD})
    copied = client.get_cookie("session", domain="portal.test").value
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 303
    assert client.get("/app/clients").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copied, domain="portal.test")
    assert thief.get("/app/clients").status_code == 302


def test_log_out_everywhere_ends_every_session(app):
    _setup(app)
    laptop, phone = app.test_client(), app.test_client()
    for browser in (laptop, phone):
        browser.post("/login", data={"email": "op@example.com", "password": PASSWORD})
        assert browser.get("/app/clients").status_code == 200
    assert laptop.post("/logout-everywhere").status_code == 303
    assert laptop.get("/app/clients").status_code == 302
    assert phone.get("/app/clients").status_code == 302


def test_login_opens_the_organization_last_used(app, client):
    """Fails on the old code: login always opened the first organization by name."""
    with app.app_context():
        alpha, zulu = make_org("Alpha"), make_org("Zulu")
        user = make_user(zulu, email="op@example.com")
        db.session.add(Membership(user_id=user.id, org_id=alpha.id, role="member"))
        db.session.commit()
        alpha_id, zulu_id = alpha.id, zulu.id
    client.post("/login", data={"email": "op@example.com", "password": PASSWORD})
    client.post("/switch-organization", data={"org_id": zulu_id})
    client.post("/logout")
    client.post("/login", data={"email": "op@example.com", "password": PASSWORD})
    assert "Zulu" in client.get("/app/clients").text.split("</a>")[0]
    client.post("/switch-organization", data={"org_id": alpha_id})
    client.post("/logout")
    client.post("/login", data={"email": "op@example.com", "password": PASSWORD})
    assert "Alpha" in client.get("/app/clients").text.split("</a>")[0]


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


def test_org_created_activity_is_recorded_at_confirmation(app, client):
    with mail.record_messages() as sent:
        client.post("/signup", data=SIGNUP)
    client.post(_path(sent[0]))
    with app.app_context():
        assert db.session.execute(db.select(Activity.verb)).scalars().all() == ["org.created"]
