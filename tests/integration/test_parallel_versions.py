"""Two operators sending version 2 at once, and a decision racing a new version: one winner, nothing half-done."""

import io
import threading
from functools import partial

from portal.extensions import db
from portal.models import Decision, Deliverable, DeliverableVersion, StoredFile
from tests.routes.test_versions import new_version, setup_world
from tests.samples import jpeg_bytes
from tests.threads import run_together


def race(*calls):
    """Start every call at the same moment; their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(n, call):
        barrier.wait()
        results[n] = call()

    run_together(partial(run, n, call) for n, call in enumerate(calls))
    return results


def second_operator(app):
    """Another signed-in operator of the (only) organization with members."""
    from portal.models import Membership, Organization, User
    from tests.conftest import login

    with app.app_context():
        org_id = db.session.execute(db.select(Membership.org_id)).scalars().first()
        user = User(email="second@example.com", name="Second", password_hash="x")
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(user_id=user.id, org_id=org_id, role="owner"))
        db.session.commit()
        return login(app.test_client(), user, db.session.get(Organization, org_id))


def test_two_new_versions_at_once_have_one_winner(app):
    _browser, operator, ids = setup_world(app)
    second = second_operator(app)

    def send(client, name):
        return lambda: new_version(client, ids, files=[(io.BytesIO(jpeg_bytes()), name)])

    first, other = race(send(operator, "first.jpg"), send(second, "second.jpg"))
    assert sorted([first.status_code, other.status_code]) == [303, 409]
    loser = first if first.status_code == 409 else other
    assert "reload" in loser.text or "since you opened" in loser.text
    assert "database is locked" not in first.text + other.text
    with app.app_context():
        assert db.session.get(Deliverable, ids.deliverable).version == 2
        numbers = db.session.execute(db.select(DeliverableVersion.number).order_by(DeliverableVersion.number)).all()
        assert [n for (n,) in numbers] == [1, 2]
        names = set(db.session.execute(db.select(StoredFile.filename)).scalars())
        assert len({"first.jpg", "second.jpg"} & names) == 1


def test_decision_racing_a_new_version(app):
    browser, operator, ids = setup_world(app)
    url = f"/portal/{ids.slug}/deliverables/{ids.deliverable}/decide"
    decided, sent = race(
        lambda: browser.post(url, data={"decision": "approved", "version": 1}), lambda: new_version(operator, ids)
    )
    assert sent.status_code == 303 and decided.status_code == 303
    with app.app_context():
        deliverable = db.session.get(Deliverable, ids.deliverable)
        decisions = db.session.execute(db.select(Decision)).scalars().all()
        # Either the decision came first (it stays, on version 1) or the new version did (the decision was refused).
        assert (deliverable.version, deliverable.approval_status) == (2, "pending")
        assert [d.version for d in decisions] in ([], [1])
        if decisions:
            assert sorted(f["name"] for f in decisions[0].files) == ["notes.pdf", "pier.png"]


def test_two_version_bumps_in_the_edit_form_have_one_winner(app):
    _browser, operator, ids = setup_world(app)
    second = second_operator(app)
    data = {"title": "Stills", "type": "photos", "status": "ready", "version": 2}
    url = f"/app/deliverables/{ids.deliverable}/edit"
    first, other = race(lambda: operator.post(url, data=data), lambda: second.post(url, data=data))
    # Overlapping, the later bump is refused (422); when the database runs them one after the other (SQLite
    # often does), the later one finds version 2 already there and saves the form without a second bump.
    assert sorted([first.status_code, other.status_code]) in ([303, 422], [303, 303])
    with app.app_context():
        numbers = db.session.execute(db.select(DeliverableVersion.number).order_by(DeliverableVersion.number)).all()
        assert [n for (n,) in numbers] == [1, 2]
        assert db.session.get(Deliverable, ids.deliverable).version == 2
