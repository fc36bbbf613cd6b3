"""What the entry tells a client is true: a replaced code means "ask for the new one", a mailed code can still be
typed after reopening the link, one figure for its lifetime, and a locked link gets no project emails."""

import re

from portal.extensions import db, mail
from portal.models import PortalLink, Project
from portal.services import email_verification, portal_links
from portal.services.activity import Actor
from portal.services.messages import post_operator_message
from tests.conftest import HX
from tests.factories import make_client, make_link, make_org, make_project

OPERATOR = Actor("operator", "Olga", None)
CODE = "482913"


def _coded(app, **fields):
    with app.app_context():
        org = make_org("Code Drones", slug="codes", contact_email="hello@codes.example")
        customer = make_client(org, email="casey@example.com", name="Casey")
        project = make_project(org, customer, name="Coded project", status="delivered")
        link, token = make_link(org, customer, project, code=CODE, **fields)
        return {"link": link.id, "project": project.id}, token


def test_after_a_code_is_replaced_the_client_is_told_to_ask_for_the_new_one(app):
    ids, token = _coded(app)
    browser = app.test_client()
    assert browser.post(f"/p/{token}", data={"code": CODE}).status_code == 303
    page_url = f"/portal/codes/projects/{ids['project']}"
    assert browser.get(page_url).status_code == 200
    with app.app_context():
        new_code = portal_links.rotate_code(db.session.get(PortalLink, ids["link"]), OPERATOR)
    told = browser.get(page_url)
    assert told.status_code == 403
    assert "new access code" in told.text and "your link still works" in told.text
    assert "hello@codes.example" in told.text and "expired" not in told.text
    # The live thread's next poll reloads to the same page, not to "not active".
    poll = browser.get(f"{page_url}/thread", headers=HX)
    assert poll.status_code == 404 and poll.headers["HX-Refresh"] == "true"
    assert "your link still works" in browser.get("/portal/codes/").text
    # The same link with the new code opens the portal again.
    assert browser.post(f"/p/{token}", data={"code": new_code}).status_code == 303
    assert browser.get(page_url).status_code == 200


def test_reopening_the_link_keeps_the_code_field_while_a_code_is_pending(app):
    with app.app_context():
        org = make_org("Verify Drones", slug="verify")
        customer = make_client(org, email="vera@example.com")
        project = make_project(org, customer, status="confirmed")
        _link, token = make_link(org, customer, project, require_email_verification=True)
    browser = app.test_client()
    with mail.record_messages() as outbox:
        asked = browser.post(f"/p/{token}/email-code")
    minutes = email_verification.CODE_VALID_MINUTES
    assert f"for {minutes} minutes" in asked.text
    assert f"for {minutes} minutes" in outbox[0].body and f"for {minutes} minutes" in outbox[0].html
    reopened = browser.get(f"/p/{token}")
    assert 'name="email_code"' in reopened.text and "Email me a code" not in reopened.text
    code = re.search(r"\b(\d{6})\b", outbox[0].body).group(1)
    opened = browser.post(f"/p/{token}/verify-email", data={"email_code": code})
    assert opened.status_code == 303


def test_no_code_pending_offers_to_email_one(app):
    with app.app_context():
        org = make_org("Fresh Drones", slug="fresh")
        customer = make_client(org, email="fred@example.com")
        _link, token = make_link(org, customer, make_project(org, customer), require_email_verification=True)
    page = app.test_client().get(f"/p/{token}").text
    assert "Email me a code" in page and 'name="email_code"' not in page


def test_a_link_locked_for_good_gets_no_message_emails(app):
    ids, _token = _coded(app)
    with app.app_context():
        link = db.session.get(PortalLink, ids["link"])
        link.code_locked = True
        db.session.commit()
        project = db.session.get(Project, ids["project"])
        with mail.record_messages() as outbox:
            post_operator_message(project, OPERATOR, "olga@codes.example", "Anyone there?")
    assert outbox == []
