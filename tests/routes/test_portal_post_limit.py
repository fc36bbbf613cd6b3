"""A leaked portal link cannot flood a thread: the client's messages, comments and pins share one rate limit."""

from sqlalchemy import select

from portal.extensions import db
from portal.models import Message
from tests.conftest import make_test_app
from tests.portal_world import make_world


def test_messages_comments_and_pins_share_one_budget_and_a_refused_post_stores_nothing(app, database_url, tmp_path):
    limited = make_test_app(database_url, tmp_path, RATELIMIT_ENABLED=True, PORTAL_POST_RATE_LIMIT="3 per minute")
    with limited.app_context():
        world = make_world(limited, slug="limited")
        project_id, review_id, image_id = world.project.id, world.review.id, world.image.id
    portal = "/portal/limited"
    browser = world.browser
    sent = [
        browser.post(f"{portal}/projects/{project_id}/messages", data={"body": "First"}),
        browser.post(f"{portal}/deliverables/{review_id}/comments", data={"body": "Second"}),
        browser.post(f"{portal}/files/{image_id}/pins", data={"body": "Third", "x": "0.5", "y": "0.5"}),
    ]
    assert [r.status_code for r in sent] == [303, 303, 303]
    refused = [
        browser.post(f"{portal}/projects/{project_id}/messages", data={"body": "Fourth"}),
        browser.post(f"{portal}/files/{image_id}/comments", data={"body": "Fifth"}),
        browser.post(f"{portal}/projects/{project_id}/map-pins", data={"body": "Sixth", "lat": "1", "lon": "1"}),
    ]
    assert [r.status_code for r in refused] == [429, 429, 429]
    assert "Too many" in refused[0].text or "too many" in refused[0].text.lower()
    # Reading is not limited: the page with the three accepted posts still opens.
    page = browser.get(f"{portal}/projects/{project_id}")
    assert page.status_code == 200 and "First" in page.text
    with app.app_context():
        bodies = set(db.session.scalars(select(Message.body).where(Message.project_id == project_id)))
    assert {"First", "Second", "Third"} <= bodies
    assert not bodies & {"Fourth", "Fifth", "Sixth"}
