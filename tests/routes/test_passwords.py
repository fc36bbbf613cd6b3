"""Changing a password, and resetting a forgotten one through an emailed single-use link."""

import re
from datetime import UTC, datetime, timedelta

from portal.extensions import db, mail
from portal.models import AccountToken, Notification
from portal.services import login_throttle
from tests.factories import PASSWORD, make_org, make_user

NEW = "a brand new password"


def _path(message) -> str:
    return re.search(r"https?://[^/\s]+(/[^\s\"<]+)", message.body).group(1)


def _operator(app, email="op@example.com"):
    with app.app_context():
        make_user(make_org(), email=email)


def _signed_in(app, password=PASSWORD):
    browser = app.test_client()
    assert browser.post("/login", data={"email": "op@example.com", "password": password}).status_code == 303
    return browser


def test_forgot_password_answers_the_same_for_unknown_addresses(app, client):
    _operator(app)
    with mail.record_messages() as sent:
        known = client.post("/forgot-password", data={"email": "OP@example.com"})
        unknown = client.post("/forgot-password", data={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda response, address: re.sub(r'"X-CSRFToken": "[^"]+"', "", response.text.replace(address, "X@"))  # noqa: E731
    assert strip(known, "op@") == strip(unknown, "nobody@")
    assert [m.recipients for m in sent] == [["op@example.com"]]
    with app.app_context():
        assert db.session.execute(db.select(Notification.org_id)).scalar_one() is None
        token = db.session.execute(db.select(AccountToken)).scalar_one()
        assert _path(sent[0]).rsplit("/", 1)[-1] not in (token.token_hash, token.token_nonce)


def test_reset_sets_the_password_once_and_ends_every_session(app, client):
    _operator(app)
    other_device = _signed_in(app)
    with mail.record_messages() as sent:
        client.post("/forgot-password", data={"email": "op@example.com"})
    link = _path(sent[0])
    assert client.get(link).status_code == 200
    assert client.post(link, data={"password": "short"}).status_code == 422
    assert client.post(link, data={"password": NEW}).status_code == 303
    assert other_device.get("/app/clients").status_code == 302
    assert client.post(link, data={"password": "another new password"}).status_code == 404
    assert client.post("/login", data={"email": "op@example.com", "password": PASSWORD}).status_code == 422
    assert _signed_in(app, NEW).get("/app/clients").status_code == 200


def test_reset_lifts_the_login_throttle(app, client):
    _operator(app)
    for n in range(login_throttle.MAX_FAILURES):
        client.post("/login", data={"email": "op@example.com", "password": f"guess {n}"})
    assert client.post("/login", data={"email": "op@example.com", "password": PASSWORD}).status_code == 429
    with mail.record_messages() as sent:
        client.post("/forgot-password", data={"email": "op@example.com"})
    client.post(_path(sent[0]), data={"password": NEW})
    assert client.post("/login", data={"email": "op@example.com", "password": NEW}).status_code == 303


def test_expired_reset_link_is_refused(app, client):
    _operator(app)
    with mail.record_messages() as sent:
        client.post("/forgot-password", data={"email": "op@example.com"})
    with app.app_context():
        token = db.session.execute(db.select(AccountToken)).scalar_one()
        token.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    assert client.post(_path(sent[0]), data={"password": NEW}).status_code == 404


def test_change_password_ends_the_other_sessions_only(app):
    _operator(app)
    here, there = _signed_in(app), _signed_in(app)
    wrong = here.post("/app/settings/password", data={"current_password": "nope", "new_password": NEW})
    assert wrong.status_code == 422 and "not your current password" in wrong.text
    assert there.get("/app/clients").status_code == 200
    changed = here.post("/app/settings/password", data={"current_password": PASSWORD, "new_password": NEW})
    assert changed.status_code == 303
    assert here.get("/app/clients").status_code == 200
    assert there.get("/app/clients").status_code == 302
    assert _signed_in(app, NEW)


def test_reset_emails_are_capped_per_address(app, client):
    _operator(app)
    with mail.record_messages() as sent:
        for _ in range(7):
            assert client.post("/forgot-password", data={"email": "op@example.com"}).status_code == 200
    assert len(sent) == 5


def test_reset_page_is_private_and_its_token_never_logged(app, client):
    import logging

    from portal.logs import RedactTokens

    _operator(app)
    with mail.record_messages() as sent:
        client.post("/forgot-password", data={"email": "op@example.com"})
    link = _path(sent[0])
    page = client.get(link)
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    token = link.rsplit("/", 1)[-1]
    for path in (link, f"/confirm-email/{token}", f"/invitations/{token}"):
        record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, '"GET %s HTTP/1.1" 200', (path,), None)
        RedactTokens().filter(record)
        assert token not in record.getMessage() and "[redacted]" in record.getMessage()


def test_a_reset_ends_every_other_reset_link_of_the_account(app, client):
    _operator(app)
    with mail.record_messages() as sent:
        client.post("/forgot-password", data={"email": "op@example.com"})
        client.post("/forgot-password", data={"email": "op@example.com"})
    first, second = _path(sent[0]), _path(sent[1])
    assert client.post(first, data={"password": NEW}).status_code == 303
    assert client.get(second).status_code == 404
    assert client.post(second, data={"password": "someone else's password"}).status_code == 404
    assert _signed_in(app, NEW)


def test_changing_the_password_ends_the_reset_links_already_sent(app, client):
    _operator(app)
    with mail.record_messages() as sent:
        client.post("/forgot-password", data={"email": "op@example.com"})
    link = _path(sent[0])
    here = _signed_in(app)
    changed = here.post("/app/settings/password", data={"current_password": PASSWORD, "new_password": NEW})
    assert changed.status_code == 303
    assert client.post(link, data={"password": "someone else's password"}).status_code == 404
    assert _signed_in(app, NEW)


def test_guessing_the_current_password_counts_like_wrong_logins(app):
    """A stolen session cannot try passwords on the change form faster than on the login form."""
    _operator(app)
    here = _signed_in(app)
    for n in range(login_throttle.MAX_FAILURES):
        wrong = here.post("/app/settings/password", data={"current_password": f"guess {n}", "new_password": NEW})
        assert wrong.status_code == 422
    paused = here.post("/app/settings/password", data={"current_password": PASSWORD, "new_password": NEW})
    assert paused.status_code == 422 and "Too many wrong passwords" in paused.text
    assert app.test_client().post("/login", data={"email": "op@example.com", "password": PASSWORD}).status_code == 429
