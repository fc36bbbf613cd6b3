"""Projects and their status machine."""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import Select, func
from sqlalchemy.orm.attributes import flag_modified

from portal.extensions import db
from portal.models import Activity, Client, Deliverable, Project
from portal.models.project import DRAFT, ON_HOLD, STATUS_LABELS, allowed_transitions
from portal.outbox import commit_and_dispatch
from portal.outbox.kinds.progress import ProjectProgress
from portal.services.activity import Actor, record
from portal.services.errors import ServiceError
from portal.services.search import matches
from portal.services.site_map import parse_position

MAX_HOLD_REASON = 2000


def _client_of_org(org_id: int, client_id: int | None) -> Client:
    client = db.session.get(Client, client_id) if client_id else None
    if client is None or client.org_id != org_id:
        raise ServiceError("Choose one of your clients.", "client_id")
    return client


def _check_dates(start_date: date | None, end_date: date | None) -> None:
    if start_date and end_date and end_date < start_date:
        raise ServiceError("The end date cannot be before the start date.", "end_date")


def create_project(
    org_id: int,
    actor: Actor,
    *,
    client_id: int,
    name: str,
    type: str | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
    location: str | None = None,
    description: str | None = None,
    status: str = DRAFT,
    commit: bool = True,
) -> Project:
    """Create a project for one of the organization's clients (commit=False only flushes)."""
    client = _client_of_org(org_id, client_id)
    _check_dates(start_date, end_date)
    project = Project(
        org_id=org_id,
        client_id=client.id,
        name=name.strip(),
        type=type or None,
        status=status,
        start_date=start_date,
        end_date=end_date,
        location=(location or "").strip() or None,
        description=(description or "").strip() or None,
    )
    db.session.add(project)
    db.session.flush()
    record(actor, "project.created", f"{actor.label} created project {project.name}", subject=project)
    if commit:
        db.session.commit()
    return project


def update_project(
    project: Project,
    actor: Actor,
    *,
    client_id: int,
    name: str,
    type: str | None,
    start_date: date | None,
    end_date: date | None,
    location: str | None,
    description: str | None,
) -> Project:
    """Change a project's details (not its status)."""
    client = _client_of_org(project.org_id, client_id)
    _check_dates(start_date, end_date)
    project.client_id = client.id
    project.name = name.strip()
    project.type = type or None
    project.start_date, project.end_date = start_date, end_date
    project.location = (location or "").strip() or None
    project.description = (description or "").strip() or None
    record(actor, "project.updated", f"{actor.label} updated the project details", subject=project)
    db.session.commit()
    return project


def set_site_position(project: Project, actor: Actor, lat_text: str | None, lon_text: str | None) -> Project:
    """Set (both coordinates) or clear (neither) the site's position on the map; the text location stays."""
    position = parse_position(lat_text, lon_text, required=False)
    project.site_lat, project.site_lon = position if position else (None, None)
    # Both columns in the UPDATE, always: the ORM writes only what changed, and two operators moving the site at
    # once could then leave one's latitude with the other's longitude.
    flag_modified(project, "site_lat")
    flag_modified(project, "site_lon")
    summary = f"{actor.label} placed the site at {position[0]:.5f}, {position[1]:.5f}" if position else None
    record(
        actor,
        "project.site_set" if position else "project.site_cleared",
        summary or f"{actor.label} removed the site from the map",
        subject=project,
    )
    db.session.commit()
    return project


def change_status(project: Project, actor: Actor, new_status: str, hold_reason: str | None = None) -> Project:
    """Move a project to another status if the status machine allows it; a hold needs a reason."""
    old_status = project.status
    if new_status not in allowed_transitions(old_status, project.held_from):
        label = STATUS_LABELS.get(new_status, new_status)
        raise ServiceError(f"A {STATUS_LABELS[old_status].lower()} project cannot move to “{label}”.", "status")
    hold_reason = (hold_reason or "").strip()
    if new_status == ON_HOLD:
        if not hold_reason:
            raise ServiceError("Say why the project is on hold; the client sees this reason.", "hold_reason")
        if len(hold_reason) > MAX_HOLD_REASON:
            raise ServiceError(f"Keep the reason under {MAX_HOLD_REASON} characters.", "hold_reason")
        project.held_from = old_status
        project.hold_reason = hold_reason
    else:
        project.held_from = None
        project.hold_reason = None
    project.status = new_status
    record(
        actor,
        "project.status_changed",
        f"{actor.label} moved the project from {STATUS_LABELS[old_status]} to {STATUS_LABELS[new_status]}",
        subject=project,
        details={"from": old_status, "to": new_status, **({"reason": hold_reason} if hold_reason else {})},
    )
    commit_and_dispatch(ProjectProgress.queue(project))
    return project


def list_projects(org_id: int, status: str | None = None, search: str | None = None, archived: bool = False) -> Select:
    """The project list's query: columns shown, client name, deliverable count; newest change first."""
    deliverables = db.select(func.count(Deliverable.id)).where(Deliverable.project_id == Project.id).scalar_subquery()
    query = (
        db.select(
            Project.id,
            Project.name,
            Project.status,
            Project.type,
            Project.start_date,
            Project.location,
            Client.name.label("client_name"),
            deliverables.label("deliverables"),
        )
        .join(Client, Client.id == Project.client_id)
        .where(
            Project.org_id == org_id, Project.archived_at.is_not(None) if archived else Project.archived_at.is_(None)
        )
        .order_by(Project.updated_at.desc(), Project.id.desc())
    )
    if status:
        query = query.where(Project.status == status)
    if search:
        query = query.where(matches(search, Project.name, Client.name, Project.location))
    return query


def timeline(project_id: int, limit: int = 50) -> list:
    """The project's latest Activity rows, newest first."""
    return db.session.execute(
        db.select(Activity.id, Activity.actor_label, Activity.actor_type, Activity.summary, Activity.at)
        .where(Activity.project_id == project_id)
        .order_by(Activity.at.desc(), Activity.id.desc())
        .limit(limit)
    ).all()


def live_etag(project_id: int) -> str:
    """A validator that changes when the thread, deliverables, files or timeline of a project change."""
    from portal.models import Message, StoredFile

    count, latest = db.func.count, db.func.max
    row = db.session.execute(
        db.select(
            db.select(latest(Message.id)).where(Message.project_id == project_id).scalar_subquery(),
            db.select(count(Message.id)).where(Message.project_id == project_id).scalar_subquery(),
            db.select(latest(Deliverable.updated_at)).where(Deliverable.project_id == project_id).scalar_subquery(),
            db.select(count(Deliverable.id)).where(Deliverable.project_id == project_id).scalar_subquery(),
            db.select(count(StoredFile.id)).where(StoredFile.project_id == project_id).scalar_subquery(),
            db.select(latest(Activity.id)).where(Activity.project_id == project_id).scalar_subquery(),
        )
    ).one()
    stamp = "-".join(str(value.timestamp() if hasattr(value, "timestamp") else value or 0) for value in row)
    return f'W/"p{project_id}-{hashlib.sha256(stamp.encode()).hexdigest()[:16]}"'
