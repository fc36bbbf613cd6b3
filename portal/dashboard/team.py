"""Dashboard: the team (invitations, roles, removal, leaving) and the operator's own password."""

from __future__ import annotations

from flask import abort, g, session, url_for
from flask_login import current_user

from portal.dashboard import bp
from portal.dashboard.guard import current_actor
from portal.dashboard.loaders import load, require_owner
from portal.dashboard.settings import PAGE, _back, _context
from portal.dashboard.settings_forms import MemberForm, PasswordChangeForm, RoleForm
from portal.extensions import db
from portal.forms import show_refusal
from portal.htmx import done, invalid
from portal.models import Invitation, Membership
from portal.services import invitations, members, passwords, sessions
from portal.services.errors import ServiceError


def _members_done(message: str):
    return done(_back("members"), message, template=PAGE, block="members", **_context())


def _members_error(message: str):
    db.session.rollback()
    context = _context()
    context["members_error"] = message
    return invalid(PAGE, "members", **context)


@bp.post("/settings/members")
def settings_members_add():
    """Invite someone to this organization by email; they join only by accepting."""
    require_owner()
    form = MemberForm()
    if form.validate_on_submit():
        try:
            invitations.invite(g.org, current_actor(), form.email.data, form.role.data)
        except ServiceError as exc:
            show_refusal(form, exc, form.email)
        else:
            return _members_done(f"Invitation sent to {form.email.data.lower()}.")
    return invalid(PAGE, "members", **_context(member_form=form))


@bp.post("/settings/invitations/<int:invitation_id>/revoke")
def settings_invitation_revoke(invitation_id: int):
    """Withdraw a waiting invitation."""
    require_owner()
    invitation = load(Invitation, invitation_id)
    try:
        invitations.revoke(g.org.id, current_actor(), invitation.id)
    except ServiceError as exc:
        return _members_error(exc.message)
    return _members_done(f"Invitation of {invitation.email} withdrawn.")


@bp.post("/settings/members/<int:membership_id>/role")
def settings_member_role(membership_id: int):
    """Give a member another role; the last owner stays an owner."""
    require_owner()
    membership = load(Membership, membership_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _members_error("Choose a role.")
    try:
        members.change_role(g.org.id, current_actor(), membership.id, form.role.data)
    except ServiceError as exc:
        return _members_error(exc.message)
    return _members_done("Role changed.")


@bp.post("/settings/members/<int:membership_id>/remove")
def settings_member_remove(membership_id: int):
    """Remove a member: this organization's pages close to them on their next request."""
    require_owner()
    membership = load(Membership, membership_id)
    if membership.user_id == current_user.id:
        abort(400)
    try:
        user = members.remove(g.org.id, current_actor(), membership.id)
    except ServiceError as exc:
        return _members_error(exc.message)
    return _members_done(f"{user.name} was removed.")


@bp.post("/settings/leave")
def settings_leave():
    """Leave the current organization (the last owner cannot)."""
    try:
        members.remove(g.org.id, current_actor(), g.membership.id)
    except ServiceError as exc:
        return _members_error(exc.message)
    session.pop("org_id", None)
    return done(url_for("dashboard.home"), f"You left {g.org.name}.")


@bp.post("/settings/password")
def settings_password():
    """Change the operator's password; every other session of theirs ends."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            passwords.change(
                current_user, form.current_password.data, form.new_password.data, session.get(sessions.SESSION_KEY)
            )
        except ServiceError as exc:
            show_refusal(form, exc, form.current_password)
        else:
            return done(
                _back("account"),
                "Password changed; your other sessions were logged out.",
                template=PAGE,
                block="account",
                **_context(),
            )
    return invalid(PAGE, "account", **_context(password_form=form))
