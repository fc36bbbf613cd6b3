"""Which events email whom, with what: the embedded default (no Redis) delivers inline, recorded by Flask-Mail."""

from __future__ import annotations

import io
import logging
import re
from datetime import date, timedelta

import pytest

from portal.extensions import db, mail
from portal.jobs.email import deliver_notification, retry_delay
from portal.jobs.email import held as email_held
from portal.mailer import message_id
from portal.models import Notification
from portal.services import deliverables, invoices, proposals
from portal.services.activity import Actor
from tests.conftest import login, make_test_app
from tests.factories import (
    create_flight_invoice,
    make_client,
    make_deliverable,
    make_link,
    make_org,
    make_project,
    make_user,
    new_proposal,
)
from tests.portal_world import make_world
from tests.samples import png_bytes

OPERATOR = Actor("operator", "Maya", None)


@pytest.fixture
def world(app, ctx):
    world = make_world(app, allow_uploads=True)
    world.operator = make_user(world.org, email="maya@acme.example", name="Maya")
    world.colleague = make_user(world.org, email="jonas@acme.example", name="Jonas")
    return world


def _kinds() -> list:
    return list(db.session.execute(db.select(Notification.kind, Notification.to_email).order_by(Notification.id)))


def test_operator_message_emails_the_client_without_a_token(world, app):
    operator = login(app.test_client(), world.operator, world.org)
    with mail.record_messages() as outbox:
        operator.post(f"/app/projects/{world.project.id}/messages", data={"body": "Look at the new edit"})
    assert [m.recipients for m in outbox] == [["client@example.com"]]
    message = outbox[0]
    assert "Look at the new edit" in message.body and "Look at the new edit" in message.html
    assert f"/portal/acme/projects/{world.project.id}#thread" in message.body
    assert world.token not in message.body + message.html and "/p/" not in message.body
    assert message.sender == "Acme Drones <portal@localhost>"


def test_notifications_off_means_no_client_email(world, app):
    world.link.notify_email = False
    db.session.commit()
    operator = login(app.test_client(), world.operator, world.org)
    with mail.record_messages() as outbox:
        operator.post(f"/app/projects/{world.project.id}/messages", data={"body": "Quiet"})
    assert outbox == [] and _kinds() == []


def test_client_message_emails_every_operator(world):
    with mail.record_messages() as outbox:
        response = world.browser.post(
            world.url(f"/projects/{world.project.id}/messages"), data={"body": "Can we talk?"}
        )
    assert response.status_code == 303
    assert sorted(m.recipients[0] for m in outbox) == ["jonas@acme.example", "maya@acme.example"]
    assert all("Can we talk?" in m.body and f"/app/projects/{world.project.id}" in m.body for m in outbox)


def test_decision_emails_operators(world):
    with mail.record_messages() as outbox:
        world.browser.post(
            world.url(f"/deliverables/{world.review.id}/decide"),
            data={"decision": "revision_requested", "version": "1", "reason": "Brighter please"},
        )
    kinds = _kinds()
    assert ("deliverable_decided", "maya@acme.example") in kinds
    decided = [m for m in outbox if "Brighter please" in m.body]
    assert len(decided) == 2 and "asked for a revision of Stills" in decided[0].subject


def test_client_upload_emails_operators(world):
    with mail.record_messages() as outbox:
        world.browser.post(
            world.url(f"/projects/{world.project.id}/files"),
            data={"files": [(io.BytesIO(png_bytes()), "site.png")]},
            content_type="multipart/form-data",
        )
    assert len(outbox) == 2 and all("site.png" in m.body for m in outbox)


def test_deliverable_ready_emails_once_per_version(world):
    deliverable = make_deliverable(world.project, title="Orthomosaic", status="ready", client_visible=False)
    with mail.record_messages() as outbox:
        deliverables.set_visibility(deliverable, OPERATOR, True)
        deliverables.set_visibility(deliverable, OPERATOR, False)
        deliverables.set_visibility(deliverable, OPERATOR, True)
    assert len(outbox) == 1 and outbox[0].subject == "Ready for your review: Orthomosaic"
    with mail.record_messages() as outbox:
        deliverables.update_deliverable(
            deliverable, OPERATOR, title="Orthomosaic", type="orthomosaic", format=None, status="ready", version=2
        )
    assert len(outbox) == 1 and "version 2" in outbox[0].body


def test_proposal_and_invoice_emails(world):
    proposal = new_proposal(
        world.org.id,
        world.project.client_id,
        "P-0001",
        "Autumn",
        status="draft",
        valid_until=date.today() + timedelta(days=9),
        total_minor=12345,
    )
    db.session.add(proposal)
    db.session.commit()
    with mail.record_messages() as outbox:
        proposals.send_proposal(proposal, OPERATOR)
    assert [m.recipients for m in outbox] == [["client@example.com"]]
    assert "P-0001" in outbox[0].subject and "€123.45" in outbox[0].body
    assert f"/portal/acme/proposals/{proposal.id}" in outbox[0].body
    with mail.record_messages() as outbox:
        world.browser.post(world.url(f"/proposals/{proposal.id}/decline"), data={"reason": "Too early"})
    assert len(outbox) == 2 and all("declined" in m.subject and "Too early" in m.body for m in outbox)

    invoice = create_flight_invoice(world.org, OPERATOR, world.project.client_id, 10000)
    with mail.record_messages() as outbox:
        invoices.send_invoice(invoice, OPERATOR)
    assert len(outbox) == 1 and outbox[0].subject == f"Invoice {invoice.number}"


def test_lock_out_emails_operators_once_per_pause(app, ctx):
    org = make_org()
    make_user(org, email="owner@lock.example")
    customer = make_client(org)
    project = make_project(org, customer)
    _link, token = make_link(org, customer, project, code="123456")
    browser = app.test_client()
    with mail.record_messages() as outbox:
        for _ in range(6):
            browser.post(f"/p/{token}", data={"code": "000000"})
    assert [m.recipients for m in outbox] == [["owner@lock.example"]]
    assert "paused after 5 wrong tries" in outbox[0].subject


def test_invitation_is_the_only_email_with_the_token(app, ctx):
    org = make_org(slug="invite")
    operator = make_user(org)
    customer = make_client(org, email="guest@example.com", name="Guest")
    project = make_project(org, customer)
    browser = login(app.test_client(), operator, org)
    with mail.record_messages() as outbox:
        page = browser.post(
            f"/app/projects/{project.id}/links",
            data={"email": "guest@example.com", "code_mode": "typed", "access_code": "246810", "send_invitation": "y"},
        )
    url = re.search(r'id="revealed-url" value="([^"]+)"', page.text).group(1)
    assert "The link was emailed to guest@example.com" in page.text
    assert len(outbox) == 1
    invitation = outbox[0]
    token = url.rsplit("/p/", 1)[1]
    assert f"http://127.0.0.1:5000/p/{token}" in invitation.body and f"/p/{token}" in invitation.html
    assert "246810" not in invitation.body + invitation.html  # the code travels separately
    notification = db.session.execute(db.select(Notification)).scalar_one()
    assert token not in str(notification.context) and notification.kind == "invitation"
    # The entry page of that link works (what a browser test opens from the email).
    assert app.test_client().get(f"/p/{token}").status_code == 200


def test_without_a_mail_server_emails_go_to_the_log(database_url, tmp_path, app, caplog):
    quiet = make_test_app(database_url, tmp_path, MAIL_SUPPRESS_SEND=False, MAIL_SERVER=None)
    caplog.set_level(logging.INFO)
    with quiet.app_context():
        org = make_org("Log Org")
        customer = make_client(org)
        project = make_project(org, customer)
        make_link(org, customer, project)
        from portal.services.messages import post_operator_message

        post_operator_message(project, OPERATOR, "op@example.com", "Printed, not sent")
        notification = db.session.execute(db.select(Notification)).scalar_one()
        assert notification.status == "sent"
        _link, token = make_link(org, customer, project, send_invitation=True)
        db.session.remove()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "not sent" in logged and "Printed, not sent" in logged
    assert "Your client portal with Log Org" in logged and "/p/[redacted]" in logged and token not in logged


def test_claim_is_idempotent_and_ids_are_stable(world, app):
    operator = login(app.test_client(), world.operator, world.org)
    operator.post(f"/app/projects/{world.project.id}/messages", data={"body": "Once"})
    notification = db.session.execute(db.select(Notification)).scalar_one()
    with mail.record_messages() as outbox:
        assert deliver_notification(notification.id) == "skipped"
    assert outbox == []
    assert message_id(notification.id) == message_id(notification.id) == notification.message_id
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]


def test_a_waiting_client_email_is_not_sent_once_emails_are_turned_off(world):
    from portal.outbox.recipients import project_recipients
    from portal.services.messages import post_operator_message

    with email_held():
        post_operator_message(world.project, OPERATOR, "op@example.com", "Will you get this?")
    notification = db.session.execute(db.select(Notification)).scalar_one()
    assert notification.status == "pending"
    world.link.notify_email = False
    db.session.commit()
    with mail.record_messages() as outbox:
        assert deliver_notification(notification.id, inline=True) == "cancelled"
    assert outbox == []
    db.session.refresh(notification)
    assert notification.status == "failed" and "turned off" in notification.last_error
    assert project_recipients(world.project) == []
