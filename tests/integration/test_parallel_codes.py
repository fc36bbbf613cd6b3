"""Many wrong access codes at once: the durable counter counts every one."""

import threading

from portal.extensions import db
from portal.models import Activity, PortalLink
from tests.factories import make_client, make_link, make_org, make_project


def test_fifty_parallel_wrong_codes_count_exactly_fifty(app, ctx):
    org = make_org(slug="parallel")
    customer = make_client(org)
    link, token = make_link(org, customer, make_project(org, customer), code="424242")
    link_id = link.id
    db.session.remove()
    barrier = threading.Barrier(10)
    statuses: list[int] = []
    lock = threading.Lock()

    def attack(n_tries: int):
        browser = app.test_client()
        barrier.wait()
        for _ in range(n_tries):
            status = browser.post(f"/p/{token}", data={"code": "000000"}).status_code
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=attack, args=(5,)) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    stored = db.session.get(PortalLink, link_id)
    assert len(statuses) == 50 and set(statuses) <= {422, 423, 429}
    assert stored.failed_attempts == 50 and stored.code_locked
    failures = db.session.execute(
        db.select(db.func.count(Activity.id)).where(Activity.verb == "link.code_failed", Activity.subject_id == link_id)
    ).scalar()
    assert failures == 50
