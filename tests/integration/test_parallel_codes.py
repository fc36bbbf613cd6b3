"""Access codes at once: the durable counter counts every wrong one, and a right one never passes a lock."""

import threading
from functools import partial

from portal.extensions import db
from portal.models import Activity, PortalLink
from portal.services import access_codes
from portal.services.access_codes import LOCK_AFTER, CodeResult
from tests.factories import make_client, make_link, make_org, make_project
from tests.threads import run_together


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

    run_together((partial(attack, 5) for _ in range(10)), timeout=120)
    stored = db.session.get(PortalLink, link_id)
    assert len(statuses) == 50 and set(statuses) <= {422, 423, 429}
    assert stored.failed_attempts == 50 and stored.code_locked
    failures = db.session.execute(
        db.select(db.func.count(Activity.id)).where(Activity.verb == "link.code_failed", Activity.subject_id == link_id)
    ).scalar()
    assert failures == 50


RIGHT = "424242"


def _coded_link_one_wrong_try_from_the_lock(app) -> tuple[int, str]:
    """A link whose next wrong code locks it (four wrong ones already counted)."""
    with app.app_context():
        org = make_org()
        customer = make_client(org)
        link, token = make_link(org, customer, make_project(org, customer), code=RIGHT)
        link.failed_attempts = LOCK_AFTER - 1
        db.session.commit()
        return link.id, token


def test_the_right_code_checked_on_a_stale_read_of_the_link_does_not_pass_a_lock_that_landed(app):
    link_id, _token = _coded_link_one_wrong_try_from_the_lock(app)
    with app.app_context():
        stale = db.session.get(PortalLink, link_id)  # read before the lock lands, as a request does
        assert stale.locked_until is None

        def wrong_try():
            with app.app_context():
                fresh = db.session.get(PortalLink, link_id)
                assert access_codes.check_code(fresh, "000000", None, None).result == CodeResult.LOCKED

        thread = threading.Thread(target=wrong_try)
        thread.start()
        thread.join(timeout=60)
        assert access_codes.check_code(stale, RIGHT, None, None).result == CodeResult.LOCKED
        db.session.remove()
    with app.app_context():
        stored = db.session.get(PortalLink, link_id)
        assert stored.failed_attempts == LOCK_AFTER and stored.locked_until is not None


def _race(app, token: str) -> list[tuple[str, int]]:
    """One wrong code and six right ones, sent at the same moment from seven browsers."""
    barrier = threading.Barrier(7)
    answers: list[tuple[str, int]] = []
    lock = threading.Lock()

    def attempt(code: str):
        browser = app.test_client()
        barrier.wait()
        status = browser.post(f"/p/{token}", data={"code": code}).status_code
        with lock:
            answers.append((code, status))

    run_together((partial(attempt, code) for code in ["000000"] + [RIGHT] * 6), timeout=120)
    return answers


def test_right_codes_racing_the_wrong_code_that_locks_get_in_only_before_the_lock(app):
    for _round in range(4):
        link_id, token = _coded_link_one_wrong_try_from_the_lock(app)
        answers = _race(app, token)
        with app.app_context():
            stored = db.session.get(PortalLink, link_id)
            right = [status for code, status in answers if code == RIGHT]
            assert len(answers) == 7
            if stored.locked_until is not None:
                # The wrong code landed first: no right code got in after it, and its count stands.
                assert right == [429] * 6 and stored.failed_attempts == LOCK_AFTER
            else:
                # Some right code was first: the lock never landed, the count restarted.
                assert set(right) == {303} and stored.failed_attempts <= 1
