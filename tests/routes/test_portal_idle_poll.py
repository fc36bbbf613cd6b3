"""The idle thread poll answered ahead of the app: one statement, the same 304, and never one for a dead session."""

from datetime import UTC, datetime, timedelta

import pytest
from flask import request_started

from portal.extensions import db
from portal.models import ClientSession, Message, PortalLink, Project
from portal.models.client_session import MAX_AGE_SECONDS
from tests.conftest import HX
from tests.factories import make_client, make_org, make_project
from tests.integration.test_query_counts import counting
from tests.portal_world import make_world


@pytest.fixture
def poll(app):
    """A portal session polling its project's thread: (browser, url, etag, ids)."""
    with app.app_context():
        world = make_world(app, slug="idle")
        other = make_project(world.org, make_client(world.org, email="else@example.com"), name="Not theirs")
        foreign = make_project(make_org("Other", slug="other"), make_client(world.org, email="x@example.com"))
        ids = {"project": world.project.id, "link": world.link.id, "other": other.id, "foreign": foreign.id}
        url = world.url(f"/projects/{world.project.id}/thread")
    etag = world.browser.get(url, headers=HX).headers["ETag"]
    return world.browser, url, etag, ids


def _recorder(started: list):
    """A receiver of request_started that notes each request the app itself ran (a function: the signal holds
    it for the block, where a bound builtin like list.append would be dropped at once)."""

    def note(sender, **_extra):
        started.append(sender)

    return note


def _get(browser, url, etag):
    return browser.get(url, headers={**HX, "If-None-Match": etag})


def test_an_unchanged_thread_is_answered_without_the_app(app, poll):
    browser, url, etag, _ids = poll
    started = []
    with request_started.connected_to(_recorder(started), app), app.app_context(), counting() as statements:
        response = _get(browser, url, etag)
    assert response.status_code == 304 and response.data == b""
    assert started == [] and len(statements) == 1
    assert response.headers["ETag"] == etag
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert {"HX-Request", "Cookie"} <= set(response.headers["Vary"].replace(" ", "").split(","))
    assert "Set-Cookie" not in response.headers


def test_a_new_visible_message_changes_the_etag(app, poll):
    browser, url, etag, ids = poll
    with app.app_context():
        db.session.add(Message(project_id=ids["project"], sender_type="operator", sender_name="Op", body="Fresh"))
        db.session.commit()
    changed = _get(browser, url, etag)
    assert changed.status_code == 200 and "Fresh" in changed.text and changed.headers["ETag"] != etag
    assert _get(browser, url, changed.headers["ETag"]).status_code == 304


def test_an_internal_note_leaves_the_etag_alone(app, poll):
    browser, url, etag, ids = poll
    with app.app_context():
        note = Message(project_id=ids["project"], sender_type="operator", sender_name="Op", body="NOTE", internal=True)
        db.session.add(note)
        db.session.commit()
    response = _get(browser, url, etag)
    assert response.status_code == 304 and b"NOTE" not in response.data


@pytest.mark.parametrize("ending", ["revoked link", "expired link", "ended session", "old session", "new code"])
def test_a_dead_session_gets_no_304(app, poll, ending):
    browser, url, etag, ids = poll
    now = datetime.now(UTC)
    with app.app_context():
        link = db.session.get(PortalLink, ids["link"])
        session = db.session.execute(db.select(ClientSession).where(ClientSession.link_id == link.id)).scalar_one()
        if ending == "revoked link":
            link.revoked_at = now
        elif ending == "expired link":
            link.expires_at = now - timedelta(minutes=1)
        elif ending == "ended session":
            session.ended_at = now
        elif ending == "old session":
            session.created_at = now - timedelta(seconds=MAX_AGE_SECONDS + 60)
        else:
            link.access_code_version += 1
        db.session.commit()
    assert _get(browser, url, etag).status_code in (403, 404)


def test_an_archived_project_gets_no_304(app, poll):
    browser, url, etag, ids = poll
    with app.app_context():
        db.session.get(Project, ids["project"]).archived_at = datetime.now(UTC)
        db.session.commit()
    assert _get(browser, url, etag).status_code == 404


@pytest.mark.parametrize("which", ["other", "foreign"])
def test_a_project_not_shown_gets_no_304_even_with_its_etag(app, poll, which):
    browser, url, _etag, ids = poll
    project_id = ids[which]
    other_url = url.replace(f"/projects/{ids['project']}/", f"/projects/{project_id}/")
    guessed = f'W/"t{project_id}-0-0"'
    assert _get(browser, other_url, guessed).status_code == 404


def test_a_tampered_or_missing_cookie_gets_no_304(app, poll):
    browser, url, etag, _ids = poll
    stranger = app.test_client()
    assert _get(stranger, url, etag).status_code in (302, 303, 404)
    forged = app.test_client()
    forged.set_cookie("session", "eyJwb3J0YWwiOnt9fQ.forged.signature")
    assert _get(forged, url, etag).status_code in (302, 303, 404)
    assert _get(browser, url.replace("/portal/idle/", "/portal/other/"), etag).status_code in (302, 303, 404)


def _answered_ahead(app, browser, url, etag) -> bool:
    """Whether a poll got its 304 without the app's request machinery running."""
    started = []
    with request_started.connected_to(_recorder(started), app):
        response = _get(browser, url, etag)
    assert response.status_code == 304
    return started == []


def test_a_poll_while_the_own_connection_is_busy_takes_a_pooled_one(app, poll):
    browser, url, etag, _ids = poll
    middleware = app.wsgi_app
    assert _answered_ahead(app, browser, url, etag)
    with middleware.own_lock:  # another thread of the worker is polling
        with app.app_context(), counting() as statements:
            assert _answered_ahead(app, browser, url, etag)
    assert len(statements) == 1


def test_a_dropped_own_connection_lets_the_app_answer_then_reconnects(app, poll):
    browser, url, etag, _ids = poll
    middleware = app.wsgi_app
    assert _answered_ahead(app, browser, url, etag)
    if middleware.compiled is None:  # SQLite runs the statement through Core: no connection of its own
        assert middleware.own is None
        return
    dropped = middleware.own[1]
    dropped.close()  # as when the server restarts or a proxy drops an idle connection
    assert not _answered_ahead(app, browser, url, etag)
    assert _answered_ahead(app, browser, url, etag)
    assert middleware.own[1] is not dropped and not middleware.own[1].closed
