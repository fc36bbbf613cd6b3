"""What a client sees is true: only a deliverable ready with files can be decided, drafts stay with the operator,
reasons and file names reach the thread, receipts name the link's person, activity speaks in client phases."""

import pytest

from portal.extensions import db
from portal.models import Deliverable, Message, Project
from portal.services.activity import Actor
from portal.services.projects import change_status
from tests.conftest import HX
from tests.factories import make_client, make_deliverable, make_link, make_org, make_project
from tests.portal_world import make_world, store
from tests.samples import png_bytes

OPERATOR = Actor("operator", "Olga Operator", None)


@pytest.fixture
def world(app):
    with app.app_context():
        world = make_world(app, slug="truth")
        planned = make_deliverable(world.project, title="PLANNED-ONE", client_visible=True, status="planned")
        empty = make_deliverable(world.project, title="EMPTY-READY", client_visible=True, status="ready")
        store(world.project, "plan.png", png_bytes(), "image/png", planned)
        ids = {"project": world.project.id, "review": world.review.id, "planned": planned.id, "empty": empty.id}
        ids.update(image=world.image.id, html=world.html.id, org=world.org.id)
    world.ids = ids
    return world


def _card(page: str, deliverable_id: int) -> str:
    start = page.index(f'<article id="deliverable-{deliverable_id}"')
    return page[start : page.index("</article>", start)]


def _decide(world, deliverable_id, decision="approved", reason="", headers=None):
    return world.browser.post(
        world.url(f"/deliverables/{deliverable_id}/decide"),
        data={"decision": decision, "version": 1, "reason": reason},
        headers=headers or {},
    )


def test_only_a_ready_deliverable_with_files_can_be_decided(app, world):
    page = world.browser.get(world.url(f"/projects/{world.ids['project']}")).text
    for name in ("planned", "empty"):
        card = _card(page, world.ids[name])
        assert "Awaiting review" not in card and "Approve" not in card and "Request revision" not in card
    assert "Planned" in _card(page, world.ids["planned"])
    assert "Files coming soon" in _card(page, world.ids["empty"])
    assert "Approve" in _card(page, world.ids["review"]) and "Awaiting review" in _card(page, world.ids["review"])
    # Only the one that can be decided needs the client: one to review and the one unread message.
    assert ">2<" in page.split('id="badge-projects"', 1)[1][:200]
    overview = world.browser.get(world.url("/")).text
    assert "PLANNED-ONE" not in overview and "EMPTY-READY" not in overview
    for name in ("planned", "empty"):
        refused = _decide(world, world.ids[name])
        assert refused.status_code == 422 and "not ready for review yet" in refused.text
    with app.app_context():
        states = db.session.execute(db.select(Deliverable.approval_status)).scalars().all()
    assert set(states) == {"pending"}


def test_after_a_decision_the_card_no_longer_says_ready_for_review(world):
    card = _decide(world, world.ids["review"], headers=HX).text
    assert "Approved" in card and "Ready for review" not in card and "Awaiting review" not in card


def test_a_rejection_reason_reaches_the_thread_like_a_revision_reason(app, world):
    response = _decide(world, world.ids["review"], "rejected", "Wrong pier entirely", headers=HX)
    assert 'id="thread-messages"' in response.text and "Wrong pier entirely" in response.text
    with app.app_context():
        message = db.session.execute(db.select(Message).where(Message.sender_type == "client")).scalar_one()
    assert message.deliverable_id == world.ids["review"] and message.body.startswith("Rejected “Stills” (v1)")


def test_a_file_comment_in_the_thread_names_its_file_with_a_link(world):
    world.browser.post(world.url(f"/files/{world.ids['html']}/comments"), data={"body": "What is this?"})
    page = world.browser.get(world.url(f"/projects/{world.ids['project']}")).text
    thread = page[page.index('id="thread-messages"') :]
    assert f'On <a href="#file-{world.ids["html"]}">page.html</a>:</span> What is this?' in thread


def test_recent_activity_speaks_in_client_phases(app, world):
    with app.app_context():
        project = db.session.get(Project, world.ids["project"])
        change_status(project, OPERATOR, "on_hold", "Waiting for the permit")
        change_status(project, OPERATOR, "delivered")
        change_status(project, OPERATOR, "invoiced")
        change_status(project, OPERATOR, "completed")
    overview = world.browser.get(world.url("/")).text
    recent = overview[overview.index("Recent activity") :]
    assert "Harbour shoot is on hold" in recent and "Harbour shoot is no longer on hold" in recent
    assert "Harbour shoot moved to Complete" in recent
    for internal in ("Delivered", "Invoiced", "Completed", "moved the project", "Olga Operator"):
        assert internal not in recent
    # Invoiced -> completed stays within one phase: nothing new for the client.
    assert recent.count("moved to Complete") == 1


def test_a_receipt_names_the_person_the_link_was_sent_to_asking_once(app):
    with app.app_context():
        org = make_org("Receipt Drones", slug="receipts")
        customer = make_client(org, email="casey@example.com", name="Casey Client")
        project = make_project(org, customer, name="Receipts project", status="delivered")
        first, second = (
            make_deliverable(project, title=title, client_visible=True, status="ready") for title in ("ONE", "TWO")
        )
        for deliverable in (first, second):
            store(project, f"{deliverable.title}.png", png_bytes(), "image/png", deliverable)
        link, token = make_link(org, customer, project, email="bo@example.com")
        assert link.client_name is None
        ids = {"first": first.id, "second": second.id, "project": project.id}
    browser = app.test_client()
    browser.post(f"/p/{token}")
    page = browser.get(f"/portal/receipts/projects/{ids['project']}").text
    assert 'name="name"' in _card(page, ids["first"]) and "Casey Client" not in page
    url = f"/portal/receipts/deliverables/{ids['first']}/decide"
    unnamed = browser.post(url, data={"decision": "approved", "version": 1})
    assert unnamed.status_code == 422 and "Type your name" in unnamed.text
    card = browser.post(url, data={"decision": "approved", "version": 1, "name": "Bo Colleague"}, headers=HX).text
    assert "Approved</strong> by Bo Colleague (bo@example.com)" in card and "Casey Client" not in card
    # Asked once: the next decision on this link needs no name and carries the same one.
    page = browser.get(f"/portal/receipts/projects/{ids['project']}").text
    assert 'name="name"' not in _card(page, ids["second"])
    second_url = f"/portal/receipts/deliverables/{ids['second']}/decide"
    card = browser.post(second_url, data={"decision": "approved", "version": 1}, headers=HX).text
    assert "Approved</strong> by Bo Colleague (bo@example.com)" in card
