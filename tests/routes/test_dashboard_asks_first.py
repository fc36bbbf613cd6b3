"""Irreversible or client-visible operator steps ask first: a plain confirm page without JavaScript, hx-confirm on
the button with it; Completed with reviews still pending says which."""

import pytest

from portal.extensions import db
from portal.models import PortalLink, Project
from tests.conftest import HX, login
from tests.factories import make_client, make_deliverable, make_link, make_org, make_project, make_user


@pytest.fixture
def setup(app):
    with app.app_context():
        org = make_org("Ask Drones", slug="ask")
        user = make_user(org, email="olga@ask.example", name="Olga")
        customer = make_client(org, email="casey@example.com")
        project = make_project(org, customer, name="Bridge survey", status="in_progress")
        make_deliverable(project, title="PENDING-STILLS", client_visible=True, status="ready")
        make_deliverable(project, title="HIDDEN-DRAFT", client_visible=False, status="planned")
        link, _token = make_link(org, customer, project, code="135790")
        ids = {"project": project.id, "link": link.id}
        browser = login(app.test_client(), user, org)
    return browser, ids


def _status(app, project_id):
    with app.app_context():
        return db.session.get(Project, project_id).status


def test_client_visible_status_moves_ask_first_without_javascript(app, setup):
    browser, ids = setup
    url = f"/app/projects/{ids['project']}/status"
    page = browser.get(f"/app/projects/{ids['project']}").text
    assert 'hx-confirm="Mark this project delivered? The client sees it." hx-vals=\'{"confirmed": "1"}\'' in page
    asked = browser.post(url, data={"status": "delivered"})
    assert asked.status_code == 200 and "Mark “Bridge survey” delivered?" in asked.text
    assert 'name="status" value="delivered"' in asked.text and 'name="confirmed" value="1"' in asked.text
    assert _status(app, ids["project"]) == "in_progress"
    assert browser.post(url, data={"status": "delivered", "confirmed": "1"}).status_code == 303
    assert _status(app, ids["project"]) == "delivered"
    # A hold asks nothing: it is undone by resuming.
    assert browser.post(url, data={"status": "on_hold", "hold_reason": "Rain"}).status_code == 303


def test_completed_with_pending_reviews_says_what_is_pending(app, setup):
    browser, ids = setup
    with app.app_context():
        project = db.session.get(Project, ids["project"])
        project.status = "invoiced"
        db.session.commit()
    url = f"/app/projects/{ids['project']}/status"
    # Even after the button's generic hx-confirm, the server still asks, naming what is pending.
    asked = browser.post(url, data={"status": "completed", "confirmed": "1"}, headers=HX)
    assert asked.status_code == 200 and asked.headers["HX-Retarget"] == "#main"
    assert "1 deliverable still awaits the client’s review" in asked.text and "PENDING-STILLS" in asked.text
    assert "HIDDEN-DRAFT" not in asked.text and _status(app, ids["project"]) == "invoiced"
    done = browser.post(url, data={"status": "completed", "confirmed": "pending-reviews"})
    assert done.status_code == 303 and _status(app, ids["project"]) == "completed"


def test_replacing_a_code_asks_first(app, setup):
    browser, ids = setup
    asked = browser.post(f"/app/links/{ids['link']}/rotate")
    assert asked.status_code == 200 and "Replace the access code for casey@example.com?" in asked.text
    with app.app_context():
        assert db.session.get(PortalLink, ids["link"]).access_code_version == 1
    page = browser.get(f"/app/projects/{ids['project']}").text
    assert 'hx-confirm="Replace the access code for casey@example.com?' in page
