"""Team invitations: nobody joins an organization without opening the emailed link and accepting it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Invitation, Membership, Organization, User
from portal.models.client import normalize_email
from portal.models.user import ROLES
from portal.outbox import commit_and_dispatch, too_many
from portal.outbox.kinds.account import MemberInvitation
from portal.services import accounts, tokens
from portal.services.activity import Actor, record
from portal.services.errors import ServiceError

VALID_FOR = timedelta(days=7)
PURPOSE = "invitation"


def _now() -> datetime:
    return datetime.now(UTC)


def _open_condition(now: datetime):
    return db.and_(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None), Invitation.expires_at > now)


def pending(org_id: int) -> list[Invitation]:
    """The organization's invitations still waiting for an answer, newest first."""
    return list(
        db.session.execute(
            db.select(Invitation)
            .where(Invitation.org_id == org_id, _open_condition(_now()))
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        ).scalars()
    )


def invite(org: Organization, actor: Actor, email: str, role: str) -> Invitation:
    """Email an invitation to join; asking again replaces the earlier one still waiting."""
    email = normalize_email(email)
    if role not in ROLES:
        raise ServiceError("Choose a role.", "role")
    member = db.session.execute(
        db.select(Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.org_id == org.id, User.email == email)
    ).first()
    if member is not None:
        raise ServiceError("This person is already a member.", "email")
    # Each invitation mails the address anew: without a cap, inviting it again and again floods its mailbox.
    if too_many(email, MemberInvitation.name):
        raise ServiceError("Too many invitations to this address in the last hour. Try again later.", "email")
    now = _now()
    db.session.execute(
        update(Invitation)
        .where(Invitation.org_id == org.id, Invitation.email == email, _open_condition(now))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    nonce, token_hash = tokens.issue(PURPOSE)
    invitation = Invitation(
        org_id=org.id,
        email=email,
        role=role,
        invited_by_id=actor.user_id,
        invited_by_name=actor.label[:120],
        token_nonce=nonce,
        token_hash=token_hash,
        expires_at=now + VALID_FOR,
    )
    db.session.add(invitation)
    db.session.flush()
    record(actor, "invitation.sent", f"{actor.label} invited {email} as {role}", subject=invitation)
    commit_and_dispatch(MemberInvitation.queue(invitation, org, actor.label))
    return invitation


def revoke(org_id: int, actor: Actor, invitation_id: int) -> None:
    """Withdraw a waiting invitation: its link stops working at once."""
    invitation = db.session.execute(
        db.select(Invitation).where(Invitation.id == invitation_id, Invitation.org_id == org_id)
    ).scalar_one_or_none()
    if invitation is None:
        raise LookupError("No such invitation in this organization.")
    revoked = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation_id, _open_condition(_now()))
        .values(revoked_at=_now())
        .execution_options(synchronize_session=False)
    )
    if revoked.rowcount != 1:
        db.session.rollback()
        raise ServiceError("This invitation was already answered, withdrawn or expired.", "invitation")
    record(actor, "invitation.revoked", f"{actor.label} withdrew the invitation of {invitation.email}", org_id=org_id)
    db.session.commit()


def find_open(secret: str) -> Invitation | None:
    """The waiting invitation with this token, or None (unknown, used, withdrawn and expired look the same)."""
    return db.session.execute(
        db.select(Invitation).where(Invitation.token_hash == tokens.digest(secret), _open_condition(_now()))
    ).scalar_one_or_none()


def accept(invitation: Invitation, user: User, ip: str | None = None, user_agent: str | None = None) -> Organization:
    """Join the organization as the invited account; opening the emailed link proved the address."""
    if user.email != invitation.email:
        raise ServiceError(f"This invitation is for {invitation.email}.", "email")
    taken = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, _open_condition(_now()))
        .values(accepted_at=_now())
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        db.session.rollback()
        raise ServiceError("This invitation was already used, withdrawn or has expired.", "invitation")
    db.session.add(Membership(user_id=user.id, org_id=invitation.org_id, role=invitation.role))
    user.email_verified_at = user.email_verified_at or _now()
    user.last_org_id = invitation.org_id
    actor = Actor.operator(user, ip, user_agent)
    record(
        actor,
        "invitation.accepted",
        f"{user.name} accepted the invitation and joined as {invitation.role}",
        subject=invitation,
    )
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise ServiceError("You are already a member of this organization.", "email") from exc
    return db.session.get(Organization, invitation.org_id)


def accept_as_new(
    invitation: Invitation, name: str, password: str, ip=None, user_agent=None
) -> tuple[User, Organization]:
    """Create the invited account (its address is proven by the link) and join."""
    accounts.check_password_length(password)
    if accounts.find_user(invitation.email) is not None:
        raise ServiceError("This address already has an account: log in to accept.", "email")
    user = User(email=invitation.email, name=name.strip() or invitation.email)
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise ServiceError("This address already has an account: log in to accept.", "email") from exc
    return user, accept(invitation, user, ip, user_agent)
