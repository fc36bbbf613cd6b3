"""Operator account emails: outbox rows (most belong to no organization) and their content at send time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.extensions import db
from portal.models import AccountToken, Invitation, Notification, Organization
from portal.models.account_token import PURPOSE_CONFIRM, PURPOSE_RESET, PURPOSE_SIGNUP
from portal.models.notification import PENDING
from portal.services import tokens

# Emails about the account itself: no organization, kept out of every organization's email log.
ACCOUNT_KINDS = ("signup_confirm", "signup_exists", "confirm_email", "password_reset", "account_locked")
KINDS = (*ACCOUNT_KINDS, "member_invitation")
LABELS = {
    "signup_confirm": "Confirm sign-up",
    "signup_exists": "Sign-up for an existing account",
    "confirm_email": "Confirm email address",
    "password_reset": "Password reset",
    "account_locked": "Login paused",
    "member_invitation": "Team invitation",
}
TOKEN_KINDS = {"signup_confirm": PURPOSE_SIGNUP, "confirm_email": PURPOSE_CONFIRM, "password_reset": PURPOSE_RESET}


def add(to: str, kind: str, subject: str, context: dict, org_id: int | None = None) -> Notification:
    """Add an account email to the outbox in the caller's transaction."""
    notification = Notification(
        org_id=org_id, to_email=to, kind=kind, subject=subject[:300], context=context, status=PENDING
    )
    db.session.add(notification)
    return notification


def too_many(to: str, kind: str, per_hour: int = 5) -> bool:
    """Whether this address already got ``per_hour`` emails of this kind in the last hour (no mail bombing)."""
    since = datetime.now(UTC) - timedelta(hours=1)
    sent = db.session.execute(
        db.select(db.func.count(Notification.id)).where(
            Notification.to_email == to, Notification.kind == kind, Notification.created_at > since
        )
    ).scalar()
    return sent >= per_hour


def for_token(token: AccountToken, kind: str, subject: str) -> Notification:
    """The email carrying an account token's link (the token is derived again when it is sent)."""
    return add(token.email, kind, subject, {"token_id": token.id})


def content(notification: Notification) -> dict:
    """The template values of an account email, read when it is sent."""
    from portal.mailer import public_url_for as _url

    now = datetime.now(UTC)
    data = notification.context or {}
    kind = notification.kind
    if kind in TOKEN_KINDS:
        token = db.session.get(AccountToken, data["token_id"])
        if token is None or token.used_at is not None or token.expires_at <= now:
            raise LookupError("The link was used or expired before the email went out.")
        secret = tokens.derive(token.purpose, token.token_nonce)
        endpoint = "auth.reset_password" if kind == "password_reset" else "auth.confirm_email"
        hours = max(1, round((token.expires_at - token.created_at).total_seconds() / 3600))
        return {"url": _url(endpoint, token=secret), "token": token, "hours": hours}
    if kind == "signup_exists":
        return {"url": _url("auth.login"), "reset_url": _url("auth.forgot_password")}
    if kind == "account_locked":
        return {"url": _url("auth.forgot_password"), "minutes": data.get("minutes", 15)}
    if kind == "member_invitation":
        invitation = db.session.get(Invitation, data["invitation_id"])
        if invitation is None or not invitation.is_open(now):
            raise LookupError("The invitation was revoked, accepted or expired before it went out.")
        org = db.session.get(Organization, invitation.org_id)
        secret = tokens.derive("invitation", invitation.token_nonce)
        days = max(1, round((invitation.expires_at - invitation.created_at).total_seconds() / 86400))
        return {
            "url": _url("auth.invitation", token=secret),
            "invitation": invitation,
            "inviting_org": org,
            "days": days,
        }
    raise LookupError(f"Unknown email kind {kind!r}.")
