"""Twenty simultaneous decisions on one deliverable: exactly one wins."""

import threading
from functools import partial

from portal.extensions import db
from portal.models import Activity, Decision, Deliverable
from tests.portal_world import make_world
from tests.threads import run_together


def test_twenty_simultaneous_decisions_have_one_winner(app, ctx):
    world = make_world(app, slug="race")
    deliverable_id, token, slug = world.review.id, world.token, world.org.slug
    db.session.remove()
    browsers = []
    for _ in range(20):
        browser = app.test_client()
        assert browser.post(f"/p/{token}").status_code == 303
        browsers.append(browser)
    barrier = threading.Barrier(20)
    statuses, texts = [], []
    lock = threading.Lock()

    def decide(browser, n):
        barrier.wait()
        response = browser.post(
            f"/portal/{slug}/deliverables/{deliverable_id}/decide",
            data={"decision": "approved" if n % 2 else "rejected", "version": 1, "reason": f"reason {n}"},
        )
        with lock:
            statuses.append(response.status_code)
            texts.append(response.get_data(as_text=True))

    run_together(partial(decide, browser, n) for n, browser in enumerate(browsers))
    assert sorted(statuses) == [303] + [409] * 19
    assert all("already decided" in text for text, status in zip(texts, statuses) if status == 409)
    assert not any("database is locked" in text for text in texts)
    decided = db.session.execute(
        db.select(db.func.count(Activity.id)).where(Activity.verb == "deliverable.decided")
    ).scalar()
    assert decided == 1
    assert db.session.execute(db.select(db.func.count(Decision.id))).scalar() == 1
    assert db.session.get(Deliverable, deliverable_id).approval_status in ("approved", "rejected")
