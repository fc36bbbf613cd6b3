"""Operators manage portal links on the project page and (client-wide) on the client page."""

import re

from portal.extensions import db
from portal.models import PortalLink
from portal.services.portal_links import hash_token
from tests.conftest import HX, login
from tests.factories import make_client, make_link, make_org, make_project, make_user


def _setup(client):
    org = make_org(slug="ops")
    login(client, make_user(org), org)
    customer = make_client(org, email="alex@example.com", name="Alex")
    return org, customer, make_project(org, customer)


def _revealed(text):
    url = re.search(r'id="revealed-url" value="([^"]+)"', text).group(1)
    code = re.search(r'id="revealed-code">(\d{6})<', text)
    return url, code.group(1) if code else None


def test_create_project_link_with_generated_code_shown_once(client, ctx):
    _org, _customer, project = _setup(client)
    response = client.post(
        f"/app/projects/{project.id}/links",
        headers=HX,
        data={"email": "Alex@Example.com", "name": "Alex", "code_mode": "generate", "notify_email": "y"},
    )
    assert response.status_code == 200 and "<html" not in response.text and 'id="portal-links"' in response.text
    url, code = _revealed(response.text)
    token = url.rsplit("/p/", 1)[1]
    link = db.session.execute(db.select(PortalLink)).scalar_one()
    assert link.token_hash == hash_token(token) and link.client_email == "alex@example.com"
    assert link.access_code_hash and code not in link.access_code_hash and link.notify_email
    db.session.refresh(project)
    assert project.client_portal_enabled
    page = client.get(f"/app/projects/{project.id}").text
    assert url in page  # the link can be copied again
    assert code not in page  # the code never again
    # The link really works with that code.
    portal = client.application.test_client()
    assert portal.post(url.split("portal.test", 1)[1], data={"code": code}).status_code == 303


def test_client_wide_link_from_the_client_page(client, ctx):
    _org, customer, _project = _setup(client)
    full = client.post(f"/app/clients/{customer.id}/links", data={"email": customer.email, "code_mode": "none"})
    assert full.status_code == 200 and full.text.startswith("<!doctype html>") and 'id="revealed-url"' in full.text
    link = db.session.execute(db.select(PortalLink)).scalar_one()
    assert link.project_id is None and link.client_id == customer.id and link.access_code_hash is None
    assert "Client-wide portal links" in client.get(f"/app/clients/{customer.id}").text


def test_bad_link_input(client, ctx):
    _org, _customer, project = _setup(client)
    for data, message in (
        ({"email": "nope", "code_mode": "none"}, "Invalid email"),
        ({"email": "a@example.com", "code_mode": "typed", "access_code": "12ab56"}, "exactly 6 digits"),
        ({"email": "a@example.com", "code_mode": "typed", "access_code": ""}, "Type the 6-digit code"),
        ({"email": "a@example.com", "code_mode": "none", "expires_in_days": "0"}, "between"),
    ):
        response = client.post(f"/app/projects/{project.id}/links", data=data, headers=HX)
        assert response.status_code == 200 and message in response.text, data
    assert db.session.execute(db.select(db.func.count(PortalLink.id))).scalar() == 0


def test_typed_code_and_expiry(client, ctx):
    _org, _customer, project = _setup(client)
    response = client.post(
        f"/app/projects/{project.id}/links",
        data={"email": "a@example.com", "code_mode": "typed", "access_code": "135790", "expires_in_days": "7"},
    )
    assert _revealed(response.text)[1] == "135790"
    link = db.session.execute(db.select(PortalLink)).scalar_one()
    assert link.expires_at is not None and "expires" in client.get(f"/app/projects/{project.id}").text


def test_notify_rotate_revoke_in_place(client, ctx):
    org, customer, project = _setup(client)
    link, _token = make_link(org, customer, project, code="111222")
    off = client.post(f"/app/links/{link.id}/notify", data={"notify_email": "0"}, headers=HX)
    assert off.status_code == 200 and "Emails off" in off.text
    rotated = client.post(f"/app/links/{link.id}/rotate", data={"confirmed": "1"}, headers=HX)
    new_code = _revealed(rotated.text)[1]
    assert new_code and new_code != "111222"
    db.session.refresh(link)
    assert link.access_code_version == 2 and not link.notify_email
    revoked = client.post(f"/app/links/{link.id}/revoke", headers=HX)
    assert revoked.status_code == 200 and "Revoked" in revoked.text
    assert client.post(f"/app/links/{link.id}/revoke").status_code == 303
    db.session.refresh(link)
    assert link.revoked_at is not None


def test_rotate_without_js_shows_the_code_on_the_page(client, ctx):
    org, customer, project = _setup(client)
    link, _token = make_link(org, customer, project)
    asked = client.post(f"/app/links/{link.id}/rotate", data={"access_code": "864200"})
    assert "Add an access code for" in asked.text and 'name="access_code" value="864200"' in asked.text
    db.session.refresh(link)
    assert link.access_code_version == 0
    response = client.post(f"/app/links/{link.id}/rotate", data={"access_code": "864200", "confirmed": "1"})
    assert response.status_code == 200 and response.text.startswith("<!doctype html>")
    assert _revealed(response.text)[1] == "864200"


def test_operator_sees_a_locked_link(client, ctx):
    org, customer, project = _setup(client)
    link, token = make_link(org, customer, project, code="111222")
    portal = client.application.test_client()
    for _ in range(5):
        portal.post(f"/p/{token}", data={"code": "000000"})
    page = client.get(f"/app/projects/{project.id}").text
    assert "Locked" in page and "paused after wrong codes" in page


def test_foreign_links_are_404(client, ctx):
    _setup(client)
    other = make_org()
    other_customer = make_client(other)
    link, _token = make_link(other, other_customer, make_project(other, other_customer))
    for action in ("notify", "rotate", "revoke"):
        assert client.post(f"/app/links/{link.id}/{action}").status_code == 404
    assert client.post(f"/app/clients/{other_customer.id}/links", data={"email": "x@example.com"}).status_code == 404
    db.session.refresh(link)
    assert link.revoked_at is None and link.access_code_version == 0
