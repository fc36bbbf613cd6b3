"""Client decisions on deliverables: one winner, with a receipt of who, when, where and which files."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import update

from portal.extensions import db
from portal.models import Decision, Deliverable, FileMedia, Message, PortalLink, StoredFile
from portal.models.deliverable import APPROVAL_LABELS, APPROVED, PENDING, READY, REJECTED, REVISION_REQUESTED
from portal.models.file import current_shared_file
from portal.models.message import SENDER_CLIENT
from portal.outbox import commit_and_dispatch
from portal.outbox.kinds.deliverables import DeliverableDecided
from portal.services.activity import Actor, record
from portal.services.errors import ServiceError

DECISIONS = (APPROVED, REVISION_REQUESTED, REJECTED)
MAX_REASON = 2000
THREAD_LINES = {
    REVISION_REQUESTED: "Revision requested for “{title}” (v{version}): {reason}",
    REJECTED: "Rejected “{title}” (v{version}): {reason}",
}


class AlreadyDecided(ServiceError):
    """Someone decided first, or the deliverable changed since the page was shown."""


class Superseded(ServiceError):
    """The decision names a version that a newer one has replaced."""


def visible_files(deliverable_id: int) -> list[StoredFile]:
    """The client-visible files of the deliverable's current version."""
    return list(
        db.session.execute(
            db.select(StoredFile).where(current_shared_file(deliverable_id)).order_by(StoredFile.id)
        ).scalars()
    )


def visible_file_hashes(deliverable_id: int) -> dict[str, str]:
    """The SHA-256 of each client-visible file of a deliverable's current version, by file id."""
    return {str(f.id): f"{f.filename} sha256:{f.sha256}" for f in visible_files(deliverable_id)}


def _capture(file_id: int) -> dict | None:
    media = db.session.get(FileMedia, file_id)
    if media is None:
        return None
    values = {
        "captured_at": media.captured_at.isoformat() if media.captured_at else None,
        "camera": media.camera,
        "latitude": media.latitude,
        "longitude": media.longitude,
        "relative_altitude": media.relative_altitude,
    }
    return {key: value for key, value in values.items() if value is not None} or None


def file_snapshot(files: list[StoredFile]) -> list[dict]:
    """Each file's name, size, SHA-256 and capture metadata, as a decision keeps them."""
    return [{"name": f.filename, "size": f.size, "sha256": f.sha256, "capture": _capture(f.id)} for f in files]


def clean_time_zone(value: str | None) -> str | None:
    """An IANA time zone name the server knows, else None (unknown)."""
    value = (value or "").strip()
    if not value or len(value) > 64:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return value


def decide_deliverable(
    deliverable: Deliverable,
    actor: Actor,
    *,
    decision: str,
    version: int | None,
    reason: str | None,
    name: str | None,
    link: PortalLink | None = None,
    time_zone: str | None = None,
) -> Deliverable:
    """Record the client's decision if the deliverable is still pending at this version (a conditional update); a
    name typed at a link's first decision is kept on the link, so it is asked once."""
    name = (name or "").strip()[:120] or None
    if link is not None and not link.client_name and not name:
        raise ServiceError("Type your name: it goes on the decision receipt.", "name")
    if decision not in DECISIONS:
        raise ServiceError("Choose approve, request a revision, or reject.", "decision")
    reason = (reason or "").strip()
    if decision != APPROVED and not reason:
        raise ServiceError("Tell us what should change: a reason is required.", "reason")
    if len(reason) > MAX_REASON:
        raise ServiceError(f"Keep the reason under {MAX_REASON:,} characters.", "reason")
    if version is None:
        raise ServiceError("This page is out of date; reload it.", "decision")
    if version != deliverable.version:
        raise Superseded(
            f"Version {version} was replaced by version {deliverable.version}: review the current version.", "decision"
        )
    now = datetime.now(UTC)
    files = visible_files(deliverable.id)
    hashes = {str(f.id): f"{f.filename} sha256:{f.sha256}" for f in files}
    if deliverable.status != READY or not hashes:
        raise ServiceError("This deliverable is not ready for review yet.", "decision")
    # The WHERE clause is the whole check: of two simultaneous decisions only one row update can succeed.
    result = db.session.execute(
        update(Deliverable)
        .where(
            Deliverable.id == deliverable.id,
            Deliverable.approval_status == PENDING,
            Deliverable.version == version,
            Deliverable.client_visible.is_(True),
            Deliverable.status == READY,
            db.select(StoredFile.id).where(current_shared_file(Deliverable.id)).exists(),
            Deliverable.archived_at.is_(None),
        )
        .values(
            approval_status=decision,
            decided_by_email=actor.label,
            decided_by_name=(name or "").strip()[:120] or None,
            decided_at=now,
            decision_reason=reason or None,
            decision_ip=actor.ip,
            decision_user_agent=actor.user_agent,
            decision_version=version,
            decision_file_hashes=hashes,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        db.session.refresh(deliverable)
        if deliverable.version != version:
            raise Superseded(
                f"Version {version} was replaced by version {deliverable.version}: review the current version.",
                "decision",
            )
        raise AlreadyDecided(f"This deliverable was already decided: {deliverable.approval_label.lower()}.", "decision")
    if link is not None and not link.client_name:
        link.client_name = name
    db.session.add(
        Decision(
            deliverable_id=deliverable.id,
            version=version,
            decision=decision,
            reason=reason or None,
            email=actor.label,
            name=name,
            decided_at=now,
            time_zone=clean_time_zone(time_zone),
            ip=actor.ip,
            user_agent=actor.user_agent,
            files=file_snapshot(files),
        )
    )
    label = APPROVAL_LABELS[decision].lower()
    record(
        actor,
        "deliverable.decided",
        f"{name or actor.label}: {label} — {deliverable.title} v{version}",
        subject=deliverable,
        org_id=deliverable.project.org_id,
        details={"decision": decision, "version": version, "reason": reason or None, "files": hashes},
    )
    if decision in THREAD_LINES:
        # The reason reaches the thread, where the operator answers it.
        db.session.add(
            Message(
                project_id=deliverable.project_id,
                sender_type=SENDER_CLIENT,
                sender_name=(name or actor.label)[:120],
                sender_email=actor.label,
                body=THREAD_LINES[decision].format(title=deliverable.title, version=version, reason=reason),
                deliverable_id=deliverable.id,
            )
        )
    db.session.flush()
    db.session.refresh(deliverable)
    commit_and_dispatch(DeliverableDecided.queue(deliverable))
    db.session.refresh(deliverable)
    return deliverable
