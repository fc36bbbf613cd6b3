"""Client decisions on deliverables: one winner, with a receipt of who, when, where and which files."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from portal.extensions import db
from portal.models import Deliverable, Message, StoredFile
from portal.models.deliverable import APPROVAL_LABELS, APPROVED, PENDING, REJECTED, REVISION_REQUESTED
from portal.models.message import SENDER_CLIENT
from portal.outbox import commit_and_dispatch
from portal.outbox.kinds.deliverables import DeliverableDecided
from portal.services.activity import Actor, record
from portal.services.errors import ServiceError

DECISIONS = (APPROVED, REVISION_REQUESTED, REJECTED)
MAX_REASON = 2000


class AlreadyDecided(ServiceError):
    """Someone decided first, or the deliverable changed since the page was shown."""


def visible_file_hashes(deliverable_id: int) -> dict[str, str]:
    """The SHA-256 of each client-visible file of a deliverable, by file id."""
    rows = db.session.execute(
        db.select(StoredFile.id, StoredFile.filename, StoredFile.sha256).where(
            StoredFile.deliverable_id == deliverable_id, StoredFile.client_visible.is_(True)
        )
    ).all()
    return {str(row.id): f"{row.filename} sha256:{row.sha256}" for row in rows}


def decide_deliverable(
    deliverable: Deliverable, actor: Actor, *, decision: str, version: int | None, reason: str | None, name: str | None
) -> Deliverable:
    """Record the client's decision if the deliverable is still pending at this version (a conditional update)."""
    if decision not in DECISIONS:
        raise ServiceError("Choose approve, request a revision, or reject.", "decision")
    reason = (reason or "").strip()
    if decision != APPROVED and not reason:
        raise ServiceError("Tell us what should change: a reason is required.", "reason")
    if len(reason) > MAX_REASON:
        raise ServiceError(f"Keep the reason under {MAX_REASON:,} characters.", "reason")
    if version is None:
        raise ServiceError("This page is out of date; reload it.", "decision")
    now = datetime.now(UTC)
    hashes = visible_file_hashes(deliverable.id)
    # The WHERE clause is the whole check: of two simultaneous decisions only one row update can succeed.
    result = db.session.execute(
        update(Deliverable)
        .where(
            Deliverable.id == deliverable.id,
            Deliverable.approval_status == PENDING,
            Deliverable.version == version,
            Deliverable.client_visible.is_(True),
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
        if deliverable.version != version and deliverable.approval_status == PENDING:
            raise AlreadyDecided("A newer version was sent since you opened this page: review it first.", "decision")
        raise AlreadyDecided(f"This deliverable was already decided: {deliverable.approval_label.lower()}.", "decision")
    label = APPROVAL_LABELS[decision].lower()
    record(
        deliverable.project.org_id,
        actor,
        "deliverable.decided",
        f"{name or actor.label}: {label} — {deliverable.title} v{version}",
        project_id=deliverable.project_id,
        subject=deliverable,
        details={"decision": decision, "version": version, "reason": reason or None, "files": hashes},
    )
    if decision == REVISION_REQUESTED:
        db.session.add(
            Message(
                project_id=deliverable.project_id,
                sender_type=SENDER_CLIENT,
                sender_name=(name or actor.label)[:120],
                sender_email=actor.label,
                body=f"Revision requested for “{deliverable.title}” (v{version}): {reason}",
                deliverable_id=deliverable.id,
            )
        )
    db.session.flush()
    db.session.refresh(deliverable)
    commit_and_dispatch(DeliverableDecided.queue(deliverable))
    db.session.refresh(deliverable)
    return deliverable
