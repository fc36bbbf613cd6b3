"""Who gets an email: the clients whose links want updates, or every member of the organization."""

from __future__ import annotations

from portal.extensions import db
from portal.models import Client, Membership, PortalLink, Project, User
from portal.models.portal_link import active_link_condition
from portal.outbox.rows import now


def project_recipients(project: Project, *, unlocked_only: bool = False) -> list[str]:
    """Client emails with an active link to this project (or client-wide) whose notifications are on;
    unlocked_only also leaves out links locked for a few minutes after wrong codes."""
    at = now()
    conditions = [
        PortalLink.org_id == project.org_id,
        PortalLink.notify_email.is_(True),
        active_link_condition(at),
        PortalLink.code_locked.is_(False),  # locked until the operator sets a new code: it cannot open them
        db.or_(
            PortalLink.project_id == project.id,
            db.and_(PortalLink.project_id.is_(None), PortalLink.client_id == project.client_id),
        ),
    ]
    if unlocked_only:
        conditions.append(db.or_(PortalLink.locked_until.is_(None), PortalLink.locked_until <= at))
    rows = db.session.execute(
        db.select(PortalLink.client_email).where(*conditions).distinct().order_by(PortalLink.client_email)
    ).scalars()
    return list(rows)


def client_recipients(client: Client) -> list[str]:
    """The client's own email, when one of its active links has notifications on (it is what sees billing)."""
    found = db.session.execute(
        db.select(PortalLink.id)
        .where(
            PortalLink.org_id == client.org_id,
            PortalLink.client_id == client.id,
            PortalLink.client_email == client.email,
            PortalLink.notify_email.is_(True),
            active_link_condition(now()),
        )
        .limit(1)
    ).first()
    return [client.email] if found else []


def operator_recipients(org_id: int) -> list[str]:
    """Every member of the organization."""
    return list(
        db.session.execute(
            db.select(User.email).join(Membership, Membership.user_id == User.id).where(Membership.org_id == org_id)
        ).scalars()
    )
