"""The team: invitations accepted by the invitee, roles, removal, leaving; Activity for each."""

import re
from datetime import UTC, datetime, timedelta

from portal.extensions import db, mail
from portal.models import Activity, Invitation, Membership, Notification, User
from tests.conftest import HX, login
from tests.factories import PASSWORD, make_org, make_user


def _path(message) -> str:
    return re.search(r"https?://[^/\s]+(/[^\s\"<]+)", message.body).group(1)


def _owner_world(app):
    """An organization with its owner signed in on a fresh client; returns (client, org id, owner id)."""
    with app.app_context():
        org = make_org("Skyline")
        owner = make_user(org, email="owner@example.com", name="Maya")
        ids = org.id, owner.id
    browser = app.test_client()
    with app.app_context():
        login(browser, db.session.get(User, ids[1]), db.session.get(type(org), ids[0]))
    return browser, *ids


def _invite(browser, email, role="member"):
    with mail.record_messages() as sent:
        response = browser.post("/app/settings/members", data={"email": email, "role": role})
    assert response.status_code == 303
    assert [m.recipients for m in sent] == [[email]]
    return _path(sent[0]), sent[0]


def _verbs(app, org_id):
    with app.app_context():
        return (
            db.session.execute(db.select(Activity.verb).where(Activity.org_id == org_id).order_by(Activity.id))
            .scalars()
            .all()
        )


def _is_member(app, org_id, email):
    with app.app_context():
        return (
            db.session.execute(
                db.select(Membership.id).join(User).where(Membership.org_id == org_id, User.email == email)
            ).first()
            is not None
        )


def test_new_person_accepts_by_choosing_a_password(app):
    owner, org_id, _ = _owner_world(app)
    link, message = _invite(owner, "pilot@example.com")
    assert "Skyline" in message.subject and "invited you" in message.subject
    assert not _is_member(app, org_id, "pilot@example.com")
    invitee = app.test_client()
    page = invitee.get(link)
    assert page.status_code == 200 and "Create your account for pilot@example.com" in page.text
    assert not _is_member(app, org_id, "pilot@example.com")  # opening the link changes nothing
    short = invitee.post(link, data={"name": "Jonas", "password": "short"})
    assert short.status_code == 422
    joined = invitee.post(link, data={"name": "Jonas", "password": "a long new password"})
    assert joined.status_code == 303
    assert invitee.get("/app/clients").status_code == 200
    assert _is_member(app, org_id, "pilot@example.com")
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.email == "pilot@example.com")).scalar_one()
        assert user.email_verified_at is not None and user.last_org_id == org_id
        stored = db.session.execute(db.select(Invitation)).scalar_one()
        token = link.rsplit("/", 1)[-1]
        assert token not in str(stored.__dict__) and stored.accepted_at is not None
        assert db.session.execute(db.select(Notification.org_id)).scalar_one() == org_id
    assert app.test_client().get(link).status_code == 404  # single use
    assert _verbs(app, org_id) == ["invitation.sent", "invitation.accepted"]


def test_existing_account_accepts_by_logging_in_as_the_invited_email(app):
    owner, org_id, _ = _owner_world(app)
    with app.app_context():
        make_user(make_org("Elsewhere"), email="shared@example.com")
    link, _message = _invite(owner, "shared@example.com", role="owner")
    invitee = app.test_client()
    assert "Log in as shared@example.com" in invitee.get(link).text
    assert invitee.post(link, data={"password": "not it"}).status_code == 422
    assert not _is_member(app, org_id, "shared@example.com")
    assert invitee.post(link, data={"password": PASSWORD}).status_code == 303
    assert _is_member(app, org_id, "shared@example.com")
    assert "Skyline" in invitee.get("/app/clients").text.split("</a>")[0]  # lands in the organization joined


def test_someone_else_signed_in_cannot_accept(app):
    owner, org_id, _ = _owner_world(app)
    link, _message = _invite(owner, "pilot@example.com")
    with app.app_context():
        intruder_id = make_user(make_org(), email="intruder@example.com").id
    browser = app.test_client()
    with app.app_context():
        login(browser, db.session.get(User, intruder_id))
    page = browser.get(link)
    assert "This invitation is for pilot@example.com" in page.text
    browser.post(link)
    assert not _is_member(app, org_id, "intruder@example.com")
    assert not _is_member(app, org_id, "pilot@example.com")


def test_owner_sees_and_revokes_pending_invitations(app):
    owner, org_id, _ = _owner_world(app)
    link, _message = _invite(owner, "pilot@example.com")
    page = owner.get("/app/settings").text
    assert "Waiting for an answer" in page and "pilot@example.com" in page
    with app.app_context():
        invitation_id = db.session.execute(db.select(Invitation.id)).scalar_one()
    response = owner.post(f"/app/settings/invitations/{invitation_id}/revoke", headers=HX)
    assert response.status_code == 200 and "withdrawn" in response.text
    assert "Waiting for an answer" not in owner.get("/app/settings").text
    assert app.test_client().get(link).status_code == 404
    assert _verbs(app, org_id) == ["invitation.sent", "invitation.revoked"]


def test_expired_invitation_is_refused(app):
    owner, org_id, _ = _owner_world(app)
    link, _message = _invite(owner, "pilot@example.com")
    with app.app_context():
        invitation = db.session.execute(db.select(Invitation)).scalar_one()
        invitation.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    invitee = app.test_client()
    assert invitee.get(link).status_code == 404
    assert invitee.post(link, data={"name": "J", "password": "a long new password"}).status_code == 404
    assert not _is_member(app, org_id, "pilot@example.com")


def test_inviting_again_replaces_the_earlier_link(app):
    owner, _org_id, _ = _owner_world(app)
    first, _m = _invite(owner, "pilot@example.com")
    second, _m = _invite(owner, "pilot@example.com")
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(second).status_code == 200


def test_change_role_and_remove_member(app):
    owner, org_id, _ = _owner_world(app)
    with app.app_context():
        from portal.models import Organization

        pilot = make_user(db.session.get(Organization, org_id), role="member", email="pilot@example.com")
        pilot_id, pilot_membership = pilot.id, pilot.memberships[0].id
    pilot_browser = app.test_client()
    with app.app_context():
        login(pilot_browser, db.session.get(User, pilot_id))
    assert pilot_browser.get("/app/clients").status_code == 200
    assert (
        pilot_browser.post(f"/app/settings/members/{pilot_membership}/role", data={"role": "owner"}).status_code == 403
    )
    response = owner.post(f"/app/settings/members/{pilot_membership}/role", data={"role": "owner"}, headers=HX)
    assert response.status_code == 200 and "Role changed" in response.text
    response = owner.post(f"/app/settings/members/{pilot_membership}/remove", headers=HX)
    assert response.status_code == 200 and "was removed" in response.text
    # The removed member's open session loses this organization on its very next request.
    assert pilot_browser.get("/app/clients").headers["Location"].endswith("/no-organization")
    assert _verbs(app, org_id) == ["member.role_changed", "member.removed"]


def test_last_owner_cannot_be_demoted_removed_or_leave(app):
    owner, org_id, owner_id = _owner_world(app)
    with app.app_context():
        membership_id = db.session.execute(db.select(Membership.id).where(Membership.user_id == owner_id)).scalar_one()
        from portal.models import Organization

        make_user(db.session.get(Organization, org_id), role="member")
    demote = owner.post(f"/app/settings/members/{membership_id}/role", data={"role": "member"})
    assert demote.status_code == 422 and "at least one owner" in demote.text
    leave = owner.post("/app/settings/leave")
    assert leave.status_code == 422 and "at least one owner" in leave.text
    assert _is_member(app, org_id, "owner@example.com")


def test_member_can_leave(app):
    owner, org_id, _ = _owner_world(app)
    with app.app_context():
        from portal.models import Organization

        pilot_id = make_user(db.session.get(Organization, org_id), role="member", email="pilot@example.com").id
    browser = app.test_client()
    with app.app_context():
        login(browser, db.session.get(User, pilot_id))
    response = browser.post("/app/settings/leave")
    assert response.status_code == 303
    assert not _is_member(app, org_id, "pilot@example.com")
    assert browser.get("/app/clients").headers["Location"].endswith("/no-organization")
    assert _verbs(app, org_id) == ["member.left"]


def test_foreign_member_and_invitation_ids_are_404(app):
    owner, _org_id, _ = _owner_world(app)
    with app.app_context():
        other = make_org("Other")
        stranger = make_user(other)
        membership_id = stranger.memberships[0].id
    assert owner.post(f"/app/settings/members/{membership_id}/remove").status_code == 404
    assert owner.post(f"/app/settings/members/{membership_id}/role", data={"role": "member"}).status_code == 404


def test_signed_in_invitee_accepts_with_one_button(app):
    owner, org_id, _ = _owner_world(app)
    with app.app_context():
        invitee_id = make_user(make_org("Elsewhere"), email="shared@example.com").id
    link, _message = _invite(owner, "shared@example.com")
    browser = app.test_client()
    with app.app_context():
        login(browser, db.session.get(User, invitee_id))
    assert "Accept and join Skyline" in browser.get(link).text
    assert not _is_member(app, org_id, "shared@example.com")
    assert browser.post(link).status_code == 303
    assert _is_member(app, org_id, "shared@example.com")


def test_account_emails_stay_out_of_the_organization_email_log(app):
    owner, _org_id, _ = _owner_world(app)
    app.test_client().post("/forgot-password", data={"email": "owner@example.com"})
    _invite(owner, "pilot@example.com")
    log = owner.get("/app/emails").text
    assert "invited you to Skyline" in log and "Reset your password" not in log


def test_invitations_to_one_address_are_capped_per_hour(app):
    """Inviting the same address again and again cannot flood its mailbox (each invite would mail it anew)."""
    browser, org_id, _owner_id = _owner_world(app)
    with mail.record_messages() as sent:
        answers = [
            browser.post("/app/settings/members", data={"email": "victim@example.com", "role": "member"})
            for _ in range(8)
        ]
    assert [a.status_code for a in answers[:5]] == [303] * 5
    assert all(a.status_code == 422 and "Too many invitations" in a.text for a in answers[5:])
    assert len(sent) == 5
    with app.app_context():
        waiting = db.session.execute(db.select(Invitation).where(Invitation.accepted_at.is_(None))).scalars().all()
        assert len([i for i in waiting if i.revoked_at is None]) == 1
