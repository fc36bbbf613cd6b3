"""Memberships: change a role, remove a member, leave; an organization always keeps at least one owner."""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.models import Membership, Organization, User
from portal.models.user import ROLE_OWNER, ROLES
from portal.services.activity import Actor, record
from portal.services.errors import ServiceError

LAST_OWNER = "An organization needs at least one owner. Make someone else an owner first."


def _lock(org_id: int) -> None:
    # PostgreSQL: two owners demoting each other at once queue on the organization's row, so the second
    # sees the first's change. SQLite runs one writer at a time; the conditional statement does the rest.
    db.session.execute(db.select(Organization.id).where(Organization.id == org_id).with_for_update())


def _another_owner(org_id: int):
    """True while the organization has more than one owner (evaluated inside the writing statement)."""
    other = aliased(Membership)
    owners = (
        db.select(db.func.count(other.id)).where(other.org_id == org_id, other.role == ROLE_OWNER).scalar_subquery()
    )
    return owners > 1


def get(org_id: int, membership_id: int) -> tuple[Membership, User]:
    """A membership of this organization with its user; LookupError for any other id (the route answers 404)."""
    row = db.session.execute(
        db.select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.id == membership_id, Membership.org_id == org_id)
    ).first()
    if row is None:
        raise LookupError("No such member in this organization.")
    return row[0], row[1]


def change_role(org_id: int, actor: Actor, membership_id: int, role: str) -> None:
    """Give a member another role; the last owner cannot be made a member."""
    if role not in ROLES:
        raise ServiceError("Choose a role.", "role")
    membership, user = get(org_id, membership_id)
    if membership.role == role:
        return
    _lock(org_id)
    condition = Membership.id == membership_id
    if role != ROLE_OWNER:
        condition = condition & _another_owner(org_id)
    changed = db.session.execute(
        update(Membership).where(condition).values(role=role).execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        db.session.rollback()
        raise ServiceError(LAST_OWNER, "role")
    record(
        actor, "member.role_changed", f"{actor.label} made {user.name} {role}", org_id=org_id, details={"role": role}
    )
    db.session.commit()


def remove(org_id: int, actor: Actor, membership_id: int) -> User:
    """Remove someone from the organization (or let them leave); its pages close to them on their next request."""
    membership, user = get(org_id, membership_id)
    _lock(org_id)
    condition = (Membership.id == membership_id) & ((Membership.role != ROLE_OWNER) | _another_owner(org_id))
    removed = db.session.execute(delete(Membership).where(condition).execution_options(synchronize_session=False))
    if removed.rowcount != 1:
        db.session.rollback()
        raise ServiceError(LAST_OWNER, "member")
    db.session.execute(
        update(User)
        .where(User.id == user.id, User.last_org_id == org_id)
        .values(last_org_id=None)
        .execution_options(synchronize_session=False)
    )
    if actor.user_id == user.id:
        record(actor, "member.left", f"{user.name} left the organization", org_id=org_id)
    else:
        record(actor, "member.removed", f"{actor.label} removed {user.name}", org_id=org_id)
    db.session.commit()
    return user
