"""Several tabs of one client posting their first message at once: every message lands, one read marker."""

import threading
from functools import partial

from portal.extensions import db
from portal.models import Message, MessageRead
from tests.portal_world import make_world
from tests.threads import run_together


def test_first_messages_at_once_all_land_and_leave_one_marker(app):
    with app.app_context():
        world = make_world(app, slug="tabs")
        project_id, token, slug = world.project.id, world.token, world.org.slug
    browsers = []
    for _ in range(8):
        browser = app.test_client()
        assert browser.post(f"/p/{token}").status_code == 303
        browsers.append(browser)
    barrier = threading.Barrier(len(browsers))
    statuses, texts = [], []
    lock = threading.Lock()

    def post(browser, n):
        barrier.wait()
        response = browser.post(f"/portal/{slug}/projects/{project_id}/messages", data={"body": f"tab {n} says hi"})
        with lock:
            statuses.append(response.status_code)
            texts.append(response.get_data(as_text=True))

    run_together(partial(post, browser, n) for n, browser in enumerate(browsers))
    assert statuses == [303] * len(browsers), [t[:300] for t, s in zip(texts, statuses) if s != 303]
    with app.app_context():
        bodies = db.session.execute(
            db.select(Message.body).where(Message.project_id == project_id, Message.sender_type == "client")
        ).scalars()
        assert sorted(bodies) == sorted(f"tab {n} says hi" for n in range(len(browsers)))
        markers = db.session.execute(db.select(MessageRead).where(MessageRead.project_id == project_id)).scalars().all()
        newest = db.session.execute(db.select(db.func.max(Message.id)).where(Message.project_id == project_id)).scalar()
        assert [(m.reader_email, m.last_read_message_id) for m in markers] == [("client@example.com", newest)]
