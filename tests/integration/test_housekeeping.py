"""The sweeper's housekeeping: sessions that can never be used again and stale throttle rows are deleted."""

from datetime import UTC, datetime, timedelta

from portal.extensions import db
from portal.models import ClientSession, LoginThrottle, OperatorSession
from portal.services.housekeeping import prune_expired
from portal.services.sessions import start
from tests.factories import make_user
from tests.portal_world import make_world


def test_prune_expired_keeps_what_can_still_be_used(app):
    now = datetime.now(UTC)
    with app.app_context():
        world = make_world(app, slug="tidy")
        live = db.session.execute(db.select(ClientSession.id).where(ClientSession.org_id == world.org.id)).scalar()
        old = ClientSession(org_id=world.org.id, link_id=world.link.id, email="c@example.com", secret_hash="x" * 64)
        old.created_at = now - timedelta(days=8)
        db.session.add(old)
        user = make_user(world.org)
        start(user.id)
        stale_operator = OperatorSession(user_id=user.id, token_hash="y" * 64, created_at=now - timedelta(days=400))
        db.session.add(stale_operator)
        db.session.add_all(
            [
                LoginThrottle(email="stale@example.com", failures=3, updated_at=now - timedelta(hours=2)),
                LoginThrottle(email="recent@example.com", failures=3, updated_at=now - timedelta(minutes=5)),
                LoginThrottle(
                    email="locked@example.com",
                    failures=10,
                    updated_at=now - timedelta(hours=2),
                    locked_until=now + timedelta(minutes=5),
                ),
            ]
        )
        db.session.commit()
        old_id, stale_id, overview = old.id, stale_operator.id, world.url("/")

        counts = prune_expired()

        assert counts["client_sessions"] >= 1 and counts["operator_sessions"] >= 1
        assert db.session.get(ClientSession, old_id) is None
        assert db.session.get(ClientSession, live) is not None
        assert db.session.get(OperatorSession, stale_id) is None
        assert (
            db.session.execute(
                db.select(db.func.count(OperatorSession.id)).where(OperatorSession.user_id == user.id)
            ).scalar()
            == 1
        )
        left = set(db.session.execute(db.select(LoginThrottle.email)).scalars())
        assert "stale@example.com" not in left
        assert {"recent@example.com", "locked@example.com"} <= left

    # The device whose session survived still reads its portal.
    assert world.browser.get(overview).status_code == 200
