"""Recording Activity rows, the timeline and audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.extensions import db
from portal.models import Activity, Project
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


# Default of record()'s org_id and project_id: take them from the subject.
_FROM_SUBJECT: Any = object()


def _scope_of(subject) -> tuple[int | None, int | None]:
    """The organization and project an object belongs to: a project's own id, or a row's org_id and project_id."""
    if isinstance(subject, Project):
        return subject.org_id, subject.id
    return getattr(subject, "org_id", None), getattr(subject, "project_id", None)


def record(
    actor: Actor,
    verb: str,
    summary: str,
    *,
    subject=None,
    org_id: int | None = _FROM_SUBJECT,
    project_id: int | None = _FROM_SUBJECT,
    details: dict | None = None,
) -> Activity:
    """Add an Activity row to the session, by default in the subject's organization and project; the caller commits."""
    subject_org_id, subject_project_id = _scope_of(subject)
    org_id = subject_org_id if org_id is _FROM_SUBJECT else org_id
    if org_id is None:
        raise ValueError(f"an activity needs an organization: {type(subject).__name__} has no org_id, pass org_id")
    activity = Activity(
        org_id=org_id,
        project_id=subject_project_id if project_id is _FROM_SUBJECT else project_id,
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
