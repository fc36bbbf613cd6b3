"""Absolute URLs: PUBLIC_URL when set; in development without it, the request's own host (any port works);
outside a request (a worker's email, seed-demo), PUBLIC_URL's default."""

from __future__ import annotations

import re

from click.testing import CliRunner

from portal.cli import seed_demo
from tests.conftest import login, make_test_app
from tests.factories import make_client, make_link, make_org, make_project, make_user


def _copy_links(app, base_url: str) -> list[str]:
    with app.app_context():
        org = make_org()
        user = make_user(org)
        customer = make_client(org)
        project = make_project(org, customer)
        make_link(org, customer, project)
        project_id = project.id
        browser = login(app.test_client(), user, org)
    page = browser.get(f"/app/projects/{project_id}", base_url=base_url).get_data(as_text=True)
    return re.findall(r'value="(\S+/p/[A-Za-z0-9_-]{20,})"', page)


def test_development_links_follow_the_host_and_port_the_app_was_opened_on(app):
    assert app.config["PUBLIC_URL_FROM_REQUEST"]
    links = _copy_links(app, "http://portal.test:8123")
    assert links and all(link.startswith("http://portal.test:8123/p/") for link in links)


def test_links_come_from_public_url_whatever_the_request_host(database_url, tmp_path, app):
    public = make_test_app(database_url, tmp_path, PUBLIC_URL="https://portal.example.com")
    links = _copy_links(public, "http://portal.test:8123")
    assert links and all(link.startswith("https://portal.example.com/p/") for link in links)


def _invite_by_email(app, **request_options) -> tuple[str, list]:
    """An operator makes a link and emails it; the page shown and the emails sent."""
    from portal.extensions import mail

    with app.app_context():
        org = make_org()
        user = make_user(org)
        customer = make_client(org, email="guest@example.com")
        project_id = make_project(org, customer).id
        browser = login(app.test_client(), user, org)
    with mail.record_messages() as outbox:
        page = browser.post(
            f"/app/projects/{project_id}/links",
            data={"email": "guest@example.com", "code_mode": "none", "send_invitation": "y"},
            **request_options,
        ).get_data(as_text=True)
    return page, outbox


def test_emails_never_take_the_request_host(app):
    page, outbox = _invite_by_email(app, base_url="http://portal.test:8123")
    shown = re.search(r'id="revealed-url" value="([^"]+)"', page).group(1)
    assert shown.startswith("http://portal.test:8123/p/")  # the operator's own address bar, in development
    token = shown.rsplit("/p/", 1)[1]
    assert f"http://127.0.0.1:5000/p/{token}" in outbox[0].body and "portal.test" not in outbox[0].body


def test_outside_a_request_urls_fall_back_to_public_url(database_url, tmp_path, app):
    from portal.urls import public_url_for

    with app.app_context():
        assert public_url_for("auth.login") == "http://127.0.0.1:5000/login"
    public = make_test_app(database_url, tmp_path, PUBLIC_URL="https://portal.example.com/")
    with public.app_context():
        assert public_url_for("auth.login", _anchor="top") == "https://portal.example.com/login#top"


def test_seed_demo_prints_links_under_public_url(database_url, tmp_path, app):
    public = make_test_app(database_url, tmp_path, PUBLIC_URL="https://demo.example.com")
    with public.app_context():
        output = CliRunner().invoke(seed_demo, catch_exceptions=False).output
    portals = [line.split()[2] for line in output.splitlines() if line.startswith("portal: ")]
    assert portals and all(url.startswith("https://demo.example.com/p/") for url in portals)


def test_development_emails_follow_the_local_port_the_app_is_served_on(database_url, tmp_path, app):
    app = make_test_app(database_url, tmp_path, SERVER_NAME="127.0.0.1:5123")
    page, outbox = _invite_by_email(app)
    token = re.search(r'id="revealed-url" value="[^"]+/p/([^"]+)"', page).group(1)
    assert f"http://127.0.0.1:5123/p/{token}" in outbox[0].body and ":5000" not in outbox[0].body
