"""Operator accounts, organizations and memberships."""

from __future__ import annotations

import re
import secrets

from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Membership, Organization, User
from portal.models.client import normalize_email
from portal.models.user import ROLE_MEMBER, ROLE_OWNER
from portal.services.activity import Actor, record
from portal.services.errors import ServiceError

MIN_PASSWORD = 10


def slugify(text: str) -> str:
    """A URL-safe slug of a name."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60] or "org"


def _unique_slug(name: str) -> str:
    base = slugify(name)
    slug = base
    while db.session.execute(db.select(Organization.id).where(Organization.slug == slug)).first():
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


def find_user(email: str) -> User | None:
    """The user with this email, if any."""
    return db.session.execute(db.select(User).where(User.email == normalize_email(email))).scalar_one_or_none()


def sign_up(name: str, email: str, password: str, org_name: str) -> tuple[User, Organization]:
    """Create an operator, their organization, and make them its owner."""
    email = normalize_email(email)
    if len(password) < MIN_PASSWORD:
        raise ServiceError(f"Use at least {MIN_PASSWORD} characters.", "password")
    if find_user(email):
        raise ServiceError("An account with this email already exists. Log in instead.", "email")
    user = User(email=email, name=name.strip())
    user.set_password(password)
    org = Organization(name=org_name.strip(), slug=_unique_slug(org_name), contact_email=email)
    db.session.add_all([user, org])
    db.session.flush()
    db.session.add(Membership(user_id=user.id, org_id=org.id, role=ROLE_OWNER))
    record(org.id, Actor.operator(user), "org.created", f"{user.name} created {org.name}")
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise ServiceError("An account with this email already exists. Log in instead.", "email") from exc
    return user, org


def create_organization(user: User, org_name: str) -> Organization:
    """Create another organization owned by an existing operator."""
    org = Organization(name=org_name.strip(), slug=_unique_slug(org_name), contact_email=user.email)
    db.session.add(org)
    db.session.flush()
    db.session.add(Membership(user_id=user.id, org_id=org.id, role=ROLE_OWNER))
    record(org.id, Actor.operator(user), "org.created", f"{user.name} created {org.name}")
    db.session.commit()
    return org


def authenticate(email: str, password: str) -> User | None:
    """The user whose email and password match, or None."""
    user = find_user(email)
    if user is None or not user.check_password(password):
        return None
    return user


def add_member(
    org: Organization, actor: Actor, email: str, name: str, password: str | None, role: str = ROLE_MEMBER
) -> Membership:
    """Add an operator to the organization, creating their account when it does not exist."""
    email = normalize_email(email)
    user = find_user(email)
    if user is None:
        if not password or len(password) < MIN_PASSWORD:
            raise ServiceError(
                f"New operators need a starting password of at least {MIN_PASSWORD} characters.", "password"
            )
        user = User(email=email, name=name.strip() or email)
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
    elif db.session.execute(
        db.select(Membership.id).where(Membership.user_id == user.id, Membership.org_id == org.id)
    ).first():
        raise ServiceError("This person is already a member.", "email")
    membership = Membership(user_id=user.id, org_id=org.id, role=role)
    db.session.add(membership)
    record(org.id, actor, "member.added", f"{actor.label} added {user.name} as {role}")
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise ServiceError("This person is already a member.", "email") from exc
    return membership


def is_member(user_id: int, org_id: int) -> bool:
    """Whether the user belongs to the organization."""
    return (
        db.session.execute(
            db.select(Membership.id).where(Membership.user_id == user_id, Membership.org_id == org_id)
        ).first()
        is not None
    )
