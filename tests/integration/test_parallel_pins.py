"""A client and an operator pinning comments on one photo at once: every pin lands once, numbered in thread order."""

import threading
from functools import partial

from portal.extensions import db
from portal.models import Message, MessageRead, Organization, User
from tests.conftest import login
from tests.media_world import make_media_world, open_portal
from tests.threads import run_together


def test_pins_at_once_all_land(app):
    with app.app_context():
        world = make_media_world(slug="pins-at-once")
        user, org = db.session.get(User, world.user_id), db.session.get(Organization, world.org_id)
        operators = [login(app.test_client(), user, org) for _ in range(3)]
        db.session.remove()
    clients = [open_portal(app, world) for _ in range(5)]
    photo = world.photo_ids[0]
    posts = [(b, world.url(f"/files/{photo}/pins"), f"client {n}") for n, b in enumerate(clients)]
    posts += [(b, f"/app/files/{photo}/pins", f"operator {n}") for n, b in enumerate(operators)]
    barrier = threading.Barrier(len(posts))
    statuses = []
    lock = threading.Lock()

    def post(browser, url, body, n):
        barrier.wait()
        response = browser.post(url, data={"body": body, "x": f"0.{n}", "y": "0.5"})
        with lock:
            statuses.append((response.status_code, response.get_data(as_text=True)[:300]))

    run_together(partial(post, *p, n) for n, p in enumerate(posts))
    assert [s for s, _ in statuses] == [303] * len(posts), statuses
    with app.app_context():
        pins = db.session.execute(db.select(Message).where(Message.file_id == photo)).scalars().all()
        assert sorted(m.body for m in pins) == sorted(body for _b, _u, body in posts)
        assert all(m.pin_y == 0.5 and 0 <= m.pin_x < 1 for m in pins)
        markers = db.session.execute(db.select(MessageRead)).scalars().all()
        assert len(markers) == 1  # the client's tabs share one read marker
    page = clients[0].get(world.url(f"/files/{photo}/pins")).text
    assert page.count('class="pin-marker"') == len(posts)
