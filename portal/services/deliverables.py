"""Deliverables of a project and their review state."""

from __future__ import annotations

from portal.extensions import db
from portal.models import Deliverable, DeliverableVersion, Project
from portal.models.deliverable import PLANNED, STATUSES, TYPES, UNDECIDED
from portal.outbox import commit_and_dispatch
from portal.outbox.kinds.deliverables import DeliverableReady
from portal.services.activity import Actor, record
from portal.services.errors import ServiceError
from portal.services.versions import bump


def _check(type: str, status: str, version: int | None = None) -> None:
    if type not in TYPES:
        raise ServiceError("Choose a deliverable type from the list.", "type")
    if status not in STATUSES:
        raise ServiceError("Choose a status from the list.", "status")
    if version is not None and not 1 <= version <= 999:
        raise ServiceError("The version is a number from 1 to 999.", "version")


def create_deliverable(
    project: Project,
    actor: Actor,
    *,
    title: str,
    type: str,
    format: str | None = None,
    status: str = PLANNED,
    client_visible: bool = False,
) -> Deliverable:
    """Add a deliverable to a project."""
    _check(type, status)
    deliverable = Deliverable(
        project_id=project.id,
        title=title.strip(),
        type=type,
        format=(format or "").strip() or None,
        status=status,
        client_visible=client_visible,
    )
    db.session.add(deliverable)
    db.session.flush()
    first = DeliverableVersion(deliverable_id=deliverable.id, number=deliverable.version, created_by=actor.label)
    db.session.add(first)
    record(
        actor,
        "deliverable.created",
        f"{actor.label} added deliverable {deliverable.title}",
        subject=deliverable,
        org_id=project.org_id,
    )
    db.session.commit()
    return deliverable


def update_deliverable(
    deliverable: Deliverable, actor: Actor, *, title: str, type: str, format: str | None, status: str, version: int
) -> Deliverable:
    """Edit a deliverable; a higher version reopens the client's review."""
    _check(type, status, version)
    if version < deliverable.version:
        raise ServiceError(f"The version cannot go back below {deliverable.version}.", "version")
    org_id = deliverable.project.org_id
    if version > deliverable.version:
        bump(deliverable, actor, version)
        _reopen_review(deliverable)
        record(
            actor,
            "deliverable.new_version",
            f"{actor.label} sent version {version} of {title.strip()}",
            subject=deliverable,
            org_id=org_id,
            details={"from": deliverable.version, "to": version},
        )
    deliverable.title = title.strip()
    deliverable.type = type
    deliverable.format = (format or "").strip() or None
    deliverable.status = status
    deliverable.version = version
    record(
        actor,
        "deliverable.updated",
        f"{actor.label} updated deliverable {deliverable.title}",
        subject=deliverable,
        org_id=org_id,
    )
    commit_and_dispatch(DeliverableReady.queue(deliverable))
    return deliverable


def _reopen_review(deliverable: Deliverable) -> None:
    for column, value in UNDECIDED.items():
        setattr(deliverable, column, value)


def set_visibility(deliverable: Deliverable, actor: Actor, visible: bool) -> Deliverable:
    """Show a deliverable to the client, or hide it."""
    deliverable.client_visible = visible
    state = "visible to the client" if visible else "hidden from the client"
    record(
        actor,
        "deliverable.visibility",
        f"{actor.label} made {deliverable.title} {state}",
        subject=deliverable,
        org_id=deliverable.project.org_id,
        details={"client_visible": visible},
    )
    commit_and_dispatch(DeliverableReady.queue(deliverable))
    return deliverable


def project_deliverables(project_id: int) -> list[Deliverable]:
    """A project's deliverables in creation order."""
    return list(
        db.session.execute(
            db.select(Deliverable).where(Deliverable.project_id == project_id).order_by(Deliverable.id)
        ).scalars()
    )
