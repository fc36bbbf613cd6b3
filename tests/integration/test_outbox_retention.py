"""Sent emails leave the outbox after EMAIL_RETENTION_DAYS; what the email log and the once-per-version rule
need stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.extensions import db, mail
from portal.jobs.email import sweep
from portal.models import Notification, NotificationItem, Project, User
from portal.services import deliverables
from portal.services.activity import Actor
from portal.services.messages import post_operator_message
from tests.conftest import login
from tests.factories import make_client, make_deliverable, make_link, make_org, make_project, make_user


def _age(notification_id: int, days: int, status: str = "sent") -> None:
    when = datetime.now(UTC) - timedelta(days=days)
    row = db.session.get(Notification, notification_id)
    row.status, row.sent_at, row.created_at = status, when if status == "sent" else None, when
    db.session.commit()


def _message_notification(project_id: int, user_id: int, body: str) -> int:
    project, user = db.session.get(Project, project_id), db.session.get(User, user_id)
    message = post_operator_message(project, Actor.operator(user), user.email, body)
    return db.session.execute(
        db.select(NotificationItem.notification_id).where(NotificationItem.message_id == message.id)
    ).scalar_one()


def test_sent_emails_are_purged_after_the_retention_and_the_rest_stays(app, client):
    with app.app_context():
        org = make_org("Skyline Drone Works")
        operator = make_user(org)
        customer = make_client(org, email="alex@harbourview.example")
        project = make_project(org, customer)
        make_link(org, customer, project)
        deliverable = make_deliverable(project, title="Orthomosaic", status="ready", client_visible=False)
        deliverables.set_visibility(deliverable, Actor.operator(operator), True)
        ready_id = db.session.execute(
            db.select(Notification.id).where(Notification.kind == "deliverable_ready")
        ).scalar_one()
        old_id = _message_notification(project.id, operator.id, "An old message")
        recent_id = _message_notification(project.id, operator.id, "A recent message")
        failed_id = _message_notification(project.id, operator.id, "A bounced message")
        _age(ready_id, 200)
        _age(old_id, 91)
        _age(recent_id, 89)
        _age(failed_id, 200, status="failed")
        assert sweep()["purged"] == 1
        kept = set(db.session.execute(db.select(Notification.id)).scalars())
        assert kept == {ready_id, recent_id, failed_id}
        items = set(db.session.execute(db.select(NotificationItem.notification_id)).scalars())
        assert old_id not in items and {recent_id, failed_id} <= items
        # The deliverable's sent row still keeps "ready for your review" to one email per version.
        with mail.record_messages() as outbox:
            deliverables.set_visibility(deliverable, Actor.operator(operator), False)
            deliverables.set_visibility(deliverable, Actor.operator(operator), True)
        assert outbox == []
        app.config["EMAIL_RETENTION_DAYS"] = 0
        try:
            _age(recent_id, 400)
            assert sweep()["purged"] == 0
        finally:
            app.config["EMAIL_RETENTION_DAYS"] = 90
        login(client, operator, org)
        db.session.remove()
    page = client.get("/app/emails").text
    assert f"/app/emails/{failed_id}/retry" in page
    assert "Ready for your review: Orthomosaic" in page
    assert page.count("A new message about") == 2  # the recent and the bounced one; the old one is gone
