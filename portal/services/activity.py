"""Recording Activity rows, the timeline and audit trail."""

from __future__ import annotations

from dataclasses import dataclass

from portal.extensions import db
from portal.models import Activity
from portal.models.activity import ACTOR_CLIENT, ACTOR_OPERATOR


@dataclass(frozen=True)
class Actor:
    """Who is acting, and from where; routes build one from the request."""

    type: str
    label: str
    user_id: int | None = None
    ip: str | None = None
    user_agent: str | None = None

    @classmethod
    def operator(cls, user, ip=None, user_agent=None) -> Actor:
        """An actor for a signed-in operator."""
        return cls(ACTOR_OPERATOR, user.name or user.email, user.id, ip, (user_agent or "")[:400] or None)

    @classmethod
    def client(cls, email: str, ip=None, user_agent=None) -> Actor:
        """An actor for a client, known by the email a portal link was sent to."""
        return cls(ACTOR_CLIENT, email, None, ip, (user_agent or "")[:400] or None)


def record(
    org_id: int,
    actor: Actor,
    verb: str,
    summary: str,
    *,
    project_id: int | None = None,
    subject=None,
    details: dict | None = None,
) -> Activity:
    """Add an Activity row to the session; the calling service commits it with its change."""
    activity = Activity(
        org_id=org_id,
        project_id=project_id,
        actor_type=actor.type,
        actor_label=actor.label[:254],
        verb=verb,
        subject_type=type(subject).__name__.lower() if subject is not None else None,
        subject_id=getattr(subject, "id", None),
        summary=summary[:300],
        details=details,
        ip=actor.ip,
        user_agent=actor.user_agent,
    )
    db.session.add(activity)
    return activity
