"""The client hears when a project is scheduled (with its dates) and when the work in the field starts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from portal.extensions import db, mail
from portal.jobs.email import deliver_notification
from portal.jobs.email import held as email_held
from portal.models import Notification, Organization, PortalLink, Project, User
from portal.services import projects
from portal.services.activity import Actor
from tests.conftest import HX, login
from tests.factories import make_client, make_link, make_org, make_project, make_user

OPERATOR = Actor("operator", "Maya", None)
START = date(2027, 3, 8)
END = date(2027, 3, 10)


@dataclass
class Site:
    """Ids of a confirmed project shared with its client through one link."""

    org_id: int
    user_id: int
    project_id: int
    link_id: int
    token: str


def make_site(app, status: str = "confirmed", **link_fields) -> Site:
    """Set up in its own application context."""
    with app.app_context():
        org = make_org("Skyline Drones", slug="skyline")
        user = make_user(org, email="maya@skyline.example", name="Maya")
        customer = make_client(org, email="client@example.com", name="Casey Client")
        project = make_project(
            org,
            customer,
            name="Kestrel bridge",
            status=status,
            start_date=START,
            end_date=END,
            location="Kestrel Bridge, Drammen",
        )
        link, token = make_link(org, customer, project, name="Casey Client", **link_fields)
        return Site(org.id, user.id, project.id, link.id, token)


def operator_of(app, site: Site):
    """A test client signed in as the site's operator."""
    with app.app_context():
        return login(app.test_client(), db.session.get(User, site.user_id), db.session.get(Organization, site.org_id))


def move(app, site: Site, *statuses: str) -> None:
    """Move the project through these statuses with every email left in the outbox."""
    with app.app_context(), email_held():
        for status in statuses:
            projects.change_status(db.session.get(Project, site.project_id), OPERATOR, status)


def progress_rows(app) -> list[tuple[int, str, str, str]]:
    """(id, to, subject, status) of every progress email."""
    with app.app_context():
        return [
            tuple(row)
            for row in db.session.execute(
                db.select(Notification.id, Notification.to_email, Notification.subject, Notification.status)
                .where(Notification.kind == "project_progress")
                .order_by(Notification.id)
            )
        ]


def deliver(app, notification_id: int) -> tuple[str, list]:
    """Send one notification now, as the worker would once its batch window ends."""
    with app.app_context(), mail.record_messages() as outbox:
        return deliver_notification(notification_id, inline=True), outbox


def test_scheduled_email_gives_the_dates_and_links_the_project(app):
    site = make_site(app)
    operator = operator_of(app, site)
    with mail.record_messages() as outbox:
        response = operator.post(f"/app/projects/{site.project_id}/status", data={"status": "scheduled"}, headers=HX)
    assert response.status_code == 200
    assert [m.recipients for m in outbox] == [["client@example.com"]]
    message = outbox[0]
    assert message.subject == "Kestrel bridge is scheduled"
    for part in (message.body, message.html):
        assert "08 Mar 2027" in part and "10 Mar 2027" in part and "Kestrel Bridge, Drammen" in part
    assert f"/portal/skyline/projects/{site.project_id}" in message.body
    assert site.token not in message.body + message.html and "/p/" not in message.body


def test_in_the_field_email(app):
    site = make_site(app, status="scheduled")
    operator = operator_of(app, site)
    with mail.record_messages() as outbox:
        operator.post(f"/app/projects/{site.project_id}/status", data={"status": "in_progress"})
    assert [m.subject for m in outbox] == ["Kestrel bridge: work in the field has started"]
    assert "now in the field" in outbox[0].body


def test_two_moves_within_the_batch_window_send_one_email_saying_where_it_is_now(app):
    site = make_site(app)
    move(app, site, "scheduled", "in_progress")
    rows = progress_rows(app)
    assert len(rows) == 1 and rows[0][1:] == (
        "client@example.com",
        "Kestrel bridge: work in the field has started",
        "pending",
    )
    with app.app_context():
        waiting = db.session.get(Notification, rows[0][0])
        assert waiting.next_attempt_at is not None and waiting.next_attempt_at > datetime.now(UTC)
    outcome, outbox = deliver(app, rows[0][0])
    assert outcome == "sent" and len(outbox) == 1
    assert "now in the field" in outbox[0].body and "is scheduled" not in outbox[0].body
    # The next move after the email went out starts a new one.
    move(app, site, "delivered")
    assert len(progress_rows(app)) == 1


def test_a_move_back_before_the_email_leaves_cancels_it(app):
    site = make_site(app)
    move(app, site, "scheduled")
    with app.app_context(), email_held():
        projects.change_status(db.session.get(Project, site.project_id), OPERATOR, "on_hold", "Waiting for a permit")
    (row,) = progress_rows(app)
    outcome, outbox = deliver(app, row[0])
    assert outcome == "cancelled" and outbox == []


def _assert_move_sends_nothing(app, site, status: str) -> None:
    """The operator moves the project to ``status``: no email goes out and no progress email waits."""
    with mail.record_messages() as outbox:
        operator_of(app, site).post(f"/app/projects/{site.project_id}/status", data={"status": status})
    assert outbox == [] and progress_rows(app) == []


@pytest.mark.parametrize(
    "change",
    [
        {"notify_email": False},
        {"revoked_at": datetime.now(UTC)},
        {"code_locked": True},
        {"locked_until": datetime.now(UTC) + timedelta(minutes=15)},
    ],
    ids=["emails-off", "revoked", "locked-for-good", "locked-for-now"],
)
def test_no_progress_email_through_a_link_that_is_off_revoked_or_locked(app, change):
    site = make_site(app)
    with app.app_context():
        link = db.session.get(PortalLink, site.link_id)
        for field, value in change.items():
            setattr(link, field, value)
        db.session.commit()
    _assert_move_sends_nothing(app, site, "scheduled")


def test_a_link_changed_while_the_email_waits_stops_it(app):
    site = make_site(app)
    move(app, site, "scheduled")
    with app.app_context():
        db.session.get(PortalLink, site.link_id).code_locked = True
        db.session.commit()
    (row,) = progress_rows(app)
    outcome, outbox = deliver(app, row[0])
    assert outcome == "cancelled" and outbox == []


def test_other_moves_send_no_progress_email(app):
    site = make_site(app, status="draft")
    _assert_move_sends_nothing(app, site, "confirmed")


def test_the_email_log_names_the_kind(app):
    site = make_site(app)
    move(app, site, "scheduled")
    page = operator_of(app, site).get("/app/emails")
    assert "Project progress (client)" in page.text and "Kestrel bridge is scheduled" in page.text
