"""Accounts under concurrency: an organization keeps an owner, wrong passwords all count, invitations work once."""

import threading
from functools import partial

from portal.extensions import db, mail
from portal.models import LoginThrottle, Membership, Organization, User
from portal.models.user import ROLE_OWNER
from portal.services import invitations, login_throttle, members
from portal.services.activity import Actor
from tests.factories import make_org, make_user
from tests.threads import run_together


def _run(workers):
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def wrap(work):
        barrier.wait()
        try:
            work()
        except BaseException as exc:  # collected: a thread's failure must fail the test
            errors.append(exc)

    run_together(partial(wrap, work) for work in workers)
    return errors


def _owners(org_id: int) -> int:
    return db.session.execute(
        db.select(db.func.count(Membership.id)).where(Membership.org_id == org_id, Membership.role == ROLE_OWNER)
    ).scalar()


def test_two_owners_demoting_each_other_at_once_leave_one_owner(app):
    for _round in range(5):
        with app.app_context():
            org = make_org()
            first, second = make_user(org, role=ROLE_OWNER), make_user(org, role=ROLE_OWNER)
            org_id = org.id
            pairs = [(first.memberships[0].id, first), (second.memberships[0].id, second)]
            actors = [(membership_id, Actor.operator(user)) for membership_id, user in pairs]
        outcomes: list[str] = []

        def demote(membership_id, actor, org_id=org_id, outcomes=outcomes):
            def work():
                with app.app_context():
                    try:
                        members.change_role(org_id, actor, membership_id, "member")
                        outcomes.append("demoted")
                    except Exception as exc:
                        outcomes.append(type(exc).__name__)

            return work

        # One demotes the other, the other removes the first: either way one owner must stay.
        assert _run([demote(actors[0][0], actors[1][1]), demote(actors[1][0], actors[0][1])]) == []
        with app.app_context():
            assert _owners(org_id) == 1, outcomes
            assert sorted(outcomes) == ["ServiceError", "demoted"]


def test_owners_removing_each_other_at_once_leave_one_owner(app):
    with app.app_context():
        org = make_org()
        first, second = make_user(org, role=ROLE_OWNER), make_user(org, role=ROLE_OWNER)
        org_id = org.id
        jobs = [(first.memberships[0].id, Actor.operator(second)), (second.memberships[0].id, Actor.operator(first))]

    def remove(membership_id, actor):
        def work():
            with app.app_context():
                try:
                    members.remove(org_id, actor, membership_id)
                except Exception:
                    pass

        return work

    assert _run([remove(*job) for job in jobs]) == []
    with app.app_context():
        assert _owners(org_id) == 1


def _targeted_account(app, statuses: list[int]):
    """An operator at target@example.com, and a wrong-password try at it from an address, noting each status."""
    with app.app_context():
        make_user(make_org(), email="target@example.com")
    lock = threading.Lock()

    def wrong_password(browser, password: str, address: str) -> None:
        data = {"email": "target@example.com", "password": password}
        response = browser.post("/login", data=data, environ_base={"REMOTE_ADDR": address})
        with lock:
            statuses.append(response.status_code)

    return wrong_password


def test_parallel_wrong_passwords_all_count_and_lock_once(app):
    statuses: list[int] = []
    wrong_password = _targeted_account(app, statuses)

    def attack(n: int):
        def work():
            browser = app.test_client()
            for k in range(3):
                wrong_password(browser, f"guess {n}-{k}", f"10.1.{n}.{k}")

        return work

    with mail.record_messages() as sent:
        assert _run([attack(n) for n in range(6)]) == []
    assert len(statuses) == 18 and statuses.count(422) >= login_throttle.MAX_FAILURES
    assert [m.subject for m in sent] == ["Logins to your account were paused"]
    with app.app_context():
        row = db.session.get(LoginThrottle, "target@example.com")
        assert row.locked_until is not None


def test_an_invitation_accepted_twice_at_once_adds_one_membership(app):
    with app.app_context():
        org = make_org()
        owner = make_user(org)
        invitee = make_user(make_org(), email="twice@example.com")
        invitation = invitations.invite(org, Actor.operator(owner), "twice@example.com", "member")
        org_id, invitee_id, invitation_id = org.id, invitee.id, invitation.id
    results: list[str] = []

    def accept():
        with app.app_context():
            from portal.models import Invitation

            try:
                invitations.accept(db.session.get(Invitation, invitation_id), db.session.get(User, invitee_id))
                results.append("joined")
            except Exception as exc:
                results.append(type(exc).__name__)

    assert _run([accept, accept]) == []
    with app.app_context():
        count = db.session.execute(
            db.select(db.func.count(Membership.id)).where(Membership.org_id == org_id, Membership.user_id == invitee_id)
        ).scalar()
        assert count == 1 and sorted(results) == ["ServiceError", "joined"]
        assert db.session.get(Organization, org_id) is not None


def test_guesses_arriving_at_once_get_no_more_tries_than_the_limit(app):
    """Each try is counted before its password is checked, so a burst from many addresses cannot outrun the lock."""
    statuses: list[int] = []
    wrong_password = _targeted_account(app, statuses)

    def guess(n: int):
        return partial(wrong_password, app.test_client(), f"guess {n}", f"10.2.0.{n}")

    assert _run([guess(n) for n in range(login_throttle.MAX_FAILURES + 6)]) == []
    assert statuses.count(422) == login_throttle.MAX_FAILURES
    assert statuses.count(429) == 6
