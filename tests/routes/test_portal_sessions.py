"""Portal sessions end on the server: a cookie copied before "Leave portal", a revocation or a new code is dead."""

from __future__ import annotations

from portal.extensions import db
from portal.models import ClientSession, PortalLink
from portal.services import portal_links
from portal.services.activity import Actor
from tests.conftest import HX
from tests.factories import make_client, make_link, make_org, make_project

OPERATOR = Actor("operator", "Maya")
CODE = "135790"


def _linked(app, code: str | None = None) -> tuple[int, int, str]:
    with app.app_context():
        org = make_org("Session Drones", slug="sessions")
        customer = make_client(org, email="casey@example.com")
        project = make_project(org, customer, name="Quay survey", status="in_progress")
        link, token = make_link(org, customer, project, code=code)
        return project.id, link.id, token


def _copy_cookie(source, target) -> None:
    """Put the source browser's session cookie, byte for byte, into another browser."""
    cookie = source.get_cookie("session", domain="portal.test")
    assert cookie is not None
    target.set_cookie("session", cookie.value, domain="portal.test")


def _not_active(app) -> str:
    with app.test_request_context():
        from flask import render_template

        return render_template("client/not_active.html")


def test_a_cookie_copied_before_leaving_the_portal_is_refused(app, client):
    project_id, _link_id, token = _linked(app)
    assert client.post(f"/p/{token}").status_code == 303
    thief = app.test_client()
    _copy_cookie(client, thief)
    assert "Quay survey" in thief.get("/portal/sessions/").text  # the copy works while the session lives
    assert client.post("/portal/sessions/leave").status_code == 303
    for path in ("/portal/sessions/", f"/portal/sessions/projects/{project_id}"):
        replayed = thief.get(path)
        assert replayed.status_code == 404 and replayed.text == _not_active(app)
    assert thief.get(f"/portal/sessions/projects/{project_id}/thread", headers=HX).status_code == 404
    assert client.get("/portal/sessions/").status_code == 404
    with app.app_context():
        assert db.session.execute(db.select(ClientSession.ended_at)).scalar_one() is not None


def test_revoking_the_link_or_replacing_its_code_ends_its_sessions_on_the_server(app, client):
    project_id, link_id, token = _linked(app, code=CODE)
    assert client.post(f"/p/{token}", data={"code": CODE}).status_code == 303
    thief = app.test_client()
    _copy_cookie(client, thief)
    with app.app_context():
        portal_links.rotate_code(db.session.get(PortalLink, link_id), OPERATOR)
        assert db.session.execute(db.select(ClientSession.ended_at)).scalar_one() is not None
    # The copy sees only the page asking for the new code: nothing of the portal.
    ended = thief.get("/portal/sessions/")
    assert ended.status_code == 403 and "new access code" in ended.text and "Leave portal" not in ended.text
    assert client.get(f"/portal/sessions/projects/{project_id}/thread", headers=HX).status_code == 404


def test_a_session_cookie_with_a_wrong_secret_is_refused(app, client):
    _project_id, _link_id, token = _linked(app)
    client.post(f"/p/{token}")
    with client.session_transaction() as session:
        entries = dict(session["portal"])
        org_id, entry = next(iter(entries.items()))
        entries[org_id] = {**entry, "k": "not-the-secret"}
        session["portal"] = entries
    assert client.get("/portal/sessions/").status_code == 404
