"""The operator's email log, its retry button, and the link actions that send email."""

from __future__ import annotations

from datetime import UTC, datetime

from portal.extensions import db, mail
from portal.models import Notification, PortalLink
from tests.conftest import HX, login, make_test_app
from tests.factories import make_client, make_link, make_org, make_project, make_user


def _failed(org, to="bounce@example.com", error="SMTP 550 5.1.1 Mailbox unavailable") -> Notification:
    customer = make_client(org)
    project = make_project(org, customer)
    link, _token = make_link(org, customer, project)
    notification = Notification(
        org_id=org.id,
        to_email=to,
        kind="invitation",
        subject=f"Your client portal with {org.name}",
        context={"link_id": link.id},
        status="failed",
        attempts=1,
        last_error=error,
    )
    db.session.add(notification)
    db.session.commit()
    return notification


def test_log_lists_only_this_organization(client, ctx):
    org, other = make_org("Mine"), make_org("Theirs")
    mine = _failed(org, to="mine@example.com")
    _failed(other, to="theirs@example.com", error="SMTP 550 THEIRS")
    login(client, make_user(org), org)
    page = client.get("/app/emails")
    assert page.status_code == 200 and page.text.startswith("<!doctype html>")
    assert "mine@example.com" in page.text and "Mailbox unavailable" in page.text and "Failed" in page.text
    assert "theirs@example.com" not in page.text and "THEIRS" not in page.text
    assert f"/app/emails/{mine.id}/retry" in page.text
    fragment = client.get("/app/emails?status=failed", headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'id="email-list"' in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    assert "No sent emails" in client.get("/app/emails?status=sent").text
    assert "mine@example.com" in client.get("/app/emails?status=<script>").text  # unknown filter: all


def test_retry_sends_a_failed_email_again(client, ctx):
    org = make_org()
    notification = _failed(org)
    login(client, make_user(org), org)
    with mail.record_messages() as outbox:
        response = client.post(f"/app/emails/{notification.id}/retry", headers=HX)
    assert response.status_code == 200 and "queued again" in response.text
    assert [m.recipients for m in outbox] == [["bounce@example.com"]]
    db.session.refresh(notification)
    assert notification.status == "sent" and notification.attempts == 1 and notification.last_error is None
    # Only failed emails can be retried: nothing changes for a sent one.
    with mail.record_messages() as outbox:
        again = client.post(f"/app/emails/{notification.id}/retry")
    assert again.status_code == 303 and outbox == []


def test_retry_of_a_foreign_or_unknown_email_is_404(client, ctx):
    org, other = make_org(), make_org()
    foreign = _failed(other)
    login(client, make_user(org), org)
    assert client.post(f"/app/emails/{foreign.id}/retry").status_code == 404
    assert client.post("/app/emails/999999/retry").status_code == 404
    assert client.post("/app/emails/abc/retry").status_code == 404
    db.session.refresh(foreign)
    assert foreign.status == "failed"


def test_log_needs_login_and_csrf(app, database_url, tmp_path, client, ctx):
    assert client.get("/app/emails").status_code == 302
    protected = make_test_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    org = make_org()
    notification = _failed(org)
    user = make_user(org)
    browser = login(protected.test_client(), user, org)
    assert browser.post(f"/app/emails/{notification.id}/retry").status_code == 400
    db.session.refresh(notification)
    assert notification.status == "failed"


def test_email_the_link_again_and_not_when_revoked(client, ctx):
    org = make_org()
    customer = make_client(org, email="again@example.com")
    project = make_project(org, customer)
    link, token = make_link(org, customer, project)
    login(client, make_user(org), org)
    with mail.record_messages() as outbox:
        response = client.post(f"/app/links/{link.id}/invite", headers=HX)
    assert response.status_code == 200 and "Link emailed to again@example.com" in response.text
    assert len(outbox) == 1 and f"/p/{token}" in outbox[0].body
    link.revoked_at = datetime.now(UTC)
    db.session.commit()
    with mail.record_messages() as outbox:
        refused = client.post(f"/app/links/{link.id}/invite")
    assert refused.status_code == 422 and "no longer active" in refused.text and outbox == []


def test_link_form_offers_the_invitation_checked_and_the_email_check(client, ctx):
    org = make_org()
    customer = make_client(org)
    project = make_project(org, customer)
    login(client, make_user(org), org)
    page = client.get(f"/app/projects/{project.id}").text
    assert '<input checked id="send_invitation" name="send_invitation" type="checkbox" value="y">' in page
    assert 'name="require_email_verification"' in page


def test_create_link_with_email_verification_and_toggle_it(client, ctx):
    org = make_org()
    customer = make_client(org, email="v@example.com")
    project = make_project(org, customer)
    login(client, make_user(org), org)
    client.post(
        f"/app/projects/{project.id}/links",
        data={"email": "v@example.com", "code_mode": "none", "require_email_verification": "y"},
    )
    link = db.session.execute(db.select(PortalLink)).scalar_one()
    assert link.require_email_verification is True
    assert db.session.execute(db.select(db.func.count(Notification.id))).scalar() == 0  # no invitation unticked
    response = client.post(f"/app/links/{link.id}/verification", data={"require_email_verification": "0"}, headers=HX)
    assert response.status_code == 200 and "Email verification off" in response.text
    db.session.refresh(link)
    assert link.require_email_verification is False


def test_link_actions_on_a_foreign_link_are_404(client, ctx):
    org, other = make_org(), make_org()
    customer = make_client(other)
    link, _token = make_link(other, customer, make_project(other, customer))
    login(client, make_user(org), org)
    with mail.record_messages() as outbox:
        assert client.post(f"/app/links/{link.id}/invite").status_code == 404
        assert (
            client.post(f"/app/links/{link.id}/verification", data={"require_email_verification": "1"}).status_code
            == 404
        )
    assert outbox == []
    db.session.refresh(link)
    assert link.require_email_verification is False


def test_retry_refreshes_the_filter_counts_out_of_band(app):
    with app.app_context():
        org = make_org()
        notification_id = _failed(org).id
        browser = login(app.test_client(), make_user(org), org)
    page = browser.get("/app/emails").text
    assert "Failed (1)" in page and "Sent (" not in page
    response = browser.post(f"/app/emails/{notification_id}/retry", headers=HX).text
    assert '<div id="email-filters" hx-swap-oob="true">' in response
    filters = response.split('id="email-filters"', 1)[1].split("</form>", 1)[0]
    assert "Sent (1)" in filters and "Failed (" not in filters


def test_an_email_only_logged_without_a_mail_server_says_so(database_url, tmp_path, app, caplog):
    logged_app = make_test_app(database_url, tmp_path, MAIL_SUPPRESS_SEND=False, MAIL_SERVER=None)
    with logged_app.app_context():
        org = make_org()
        notification_id = _failed(org, to="printed@example.com").id
        browser = login(logged_app.test_client(), make_user(org), org)
    browser.post(f"/app/emails/{notification_id}/retry")
    assert any("printed@example.com" in record.getMessage() for record in caplog.records)
    page = browser.get("/app/emails").text
    row = page.split(f'id="email-{notification_id}"')[1]
    assert "Logged — no mail server" in row.split("</tr>", 1)[0]
    with logged_app.app_context():
        notification = db.session.get(Notification, notification_id)
        assert notification.status == "sent" and notification.transport == "log"
    # Delivered over SMTP, the same email reads Sent.
    with app.app_context():
        other = make_org()
        sent_id = _failed(other, to="smtp@example.com").id
        smtp_browser = login(app.test_client(), make_user(other), other)
    smtp_browser.post(f"/app/emails/{sent_id}/retry")
    smtp_row = smtp_browser.get("/app/emails").text.split(f'id="email-{sent_id}"')[1].split("</tr>", 1)[0]
    assert ">Sent<" in smtp_row and "no mail server" not in smtp_row
