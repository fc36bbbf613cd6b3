"""Operator account emails: sign-up, address confirmation, password reset, paused logins, team invitations.

All but the team invitation belong to no organization, which keeps them out of every organization's email log."""

from __future__ import annotations

from typing import ClassVar

from portal.extensions import db
from portal.mailer import public_url_for as url
from portal.models import AccountToken, Invitation, Notification, Organization
from portal.outbox.registry import ACCOUNT, EmailKind
from portal.outbox.rows import now
from portal.services import tokens


class _AccountEmail(EmailKind):
    audience = ACCOUNT
    subject: ClassVar[str]


class _TokenEmail(_AccountEmail):
    """An email carrying an account token's link (the token is derived again when it is sent)."""

    endpoint: ClassVar[str] = "auth.confirm_email"

    @classmethod
    def queue(cls, token: AccountToken) -> list[Notification]:
        """Email the token's link to its address."""
        return cls.to_each([token.email], None, cls.subject, {"token_id": token.id})

    @classmethod
    def content(cls, notification: Notification) -> dict:
        token = db.session.get(AccountToken, (notification.context or {})["token_id"])
        if token is None or token.used_at is not None or token.expires_at <= now():
            raise LookupError("The link was used or expired before the email went out.")
        secret = tokens.derive(token.purpose, token.token_nonce)
        hours = max(1, round((token.expires_at - token.created_at).total_seconds() / 3600))
        return {"url": url(cls.endpoint, token=secret), "token": token, "hours": hours}


class SignupConfirm(_TokenEmail, name="signup_confirm", label="Confirm sign-up"):
    """The link that finishes a sign-up (the account exists only once it is opened)."""

    subject = "Confirm your email to finish signing up"


class SignupExists(_AccountEmail, name="signup_exists", label="Sign-up for an existing account"):
    """Someone tried to sign up with the address of an existing account: a note to its owner."""

    subject = "Someone tried to sign up with your address"

    @classmethod
    def queue(cls, email: str) -> list[Notification]:
        """Tell an account's owner someone tried to sign up with their address."""
        return cls.to_each([email], None, cls.subject, {})

    @classmethod
    def content(cls, notification: Notification) -> dict:
        return {"url": url("auth.login"), "reset_url": url("auth.forgot_password")}


class ConfirmEmail(_TokenEmail, name="confirm_email", label="Confirm email address"):
    """The link that confirms the address of an account made before addresses were proven."""

    subject = "Confirm your email address"


class PasswordReset(_TokenEmail, name="password_reset", label="Password reset"):
    """The link that sets a new password."""

    subject = "Reset your password"
    endpoint = "auth.reset_password"


class AccountLocked(_AccountEmail, name="account_locked", label="Login paused"):
    """Logins were paused after wrong passwords."""

    subject = "Logins to your account were paused"

    @classmethod
    def queue(cls, email: str, minutes: int) -> list[Notification]:
        """Tell an account's owner that logins were paused after wrong passwords."""
        return cls.to_each([email], None, cls.subject, {"minutes": minutes})

    @classmethod
    def content(cls, notification: Notification) -> dict:
        return {"url": url("auth.forgot_password"), "minutes": (notification.context or {}).get("minutes", 15)}


class MemberInvitation(_AccountEmail, name="member_invitation", label="Team invitation"):
    """An invitation to join an organization's team (it shows in that organization's email log)."""

    @classmethod
    def queue(cls, invitation: Invitation, org: Organization, inviter: str) -> list[Notification]:
        """Email an invitation's link to the invited address."""
        subject = f"{inviter} invited you to {org.name}"
        return cls.to_each([invitation.email], org.id, subject, {"invitation_id": invitation.id})

    @classmethod
    def content(cls, notification: Notification) -> dict:
        invitation = db.session.get(Invitation, (notification.context or {})["invitation_id"])
        if invitation is None or not invitation.is_open(now()):
            raise LookupError("The invitation was revoked, accepted or expired before it went out.")
        org = db.session.get(Organization, invitation.org_id)
        secret = tokens.derive("invitation", invitation.token_nonce)
        days = max(1, round((invitation.expires_at - invitation.created_at).total_seconds() / 86400))
        return {
            "url": url("auth.invitation", token=secret),
            "invitation": invitation,
            "inviting_org": org,
            "days": days,
        }
