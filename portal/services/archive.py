"""Archiving, restoring and deleting clients, projects, deliverables and proposals.

A delete is one conditional statement that repeats every rule that blocks it, so a write racing it either
lands first (and the delete finds a blocker) or fails on the database's foreign keys afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Client, Deliverable, Invoice, Project, Proposal, StoredFile
from portal.models.deliverable import PENDING
from portal.services import media
from portal.services.activity import Actor, record
from portal.services.bundles import bundle_keys_of
from portal.services.errors import ServiceError
from portal.storage import get_storage

ARCHIVABLE = (Client, Project, Deliverable, Proposal)


def _org_and_project(obj) -> tuple[int, int | None]:
    if isinstance(obj, Deliverable):
        project = db.session.get(Project, obj.project_id)
        return project.org_id, project.id
    if isinstance(obj, Project):
        return obj.org_id, obj.id
    return obj.org_id, None


def _label(obj) -> str:
    if isinstance(obj, Proposal):
        return f"proposal {obj.number}"
    kind = type(obj).__name__.lower()
    return f"{kind} {getattr(obj, 'name', None) or getattr(obj, 'title', '')}"


def set_archived(obj, actor: Actor, archived: bool):
    """Archive (hide from lists and from the portal) or restore an object; doing it twice changes nothing."""
    model = type(obj)
    if model not in ARCHIVABLE:
        raise TypeError(f"{model.__name__} cannot be archived")
    now = datetime.now(UTC)
    condition = model.archived_at.is_(None) if archived else model.archived_at.is_not(None)
    result = db.session.execute(
        update(model)
        .where(model.id == obj.id, condition)
        .values(archived_at=now if archived else None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        org_id, project_id = _org_and_project(obj)
        verb = "archived" if archived else "restored"
        record(
            actor,
            f"{model.__name__.lower()}.{verb}",
            f"{actor.label} {verb} {_label(obj)}",
            subject=obj,
            org_id=org_id,
            project_id=project_id,
        )
    db.session.commit()
    db.session.refresh(obj)
    return obj


@dataclass(frozen=True)
class Blockers:
    """What keeps an object from being deleted, in words an operator acts on."""

    reasons: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.reasons)


def _count(query) -> int:
    return db.session.execute(select(db.func.count()).select_from(query.subquery())).scalar_one()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def client_blockers(client: Client) -> Blockers:
    """A client with projects, proposals or invoices is kept: those records name them."""
    reasons = []
    for model, word in ((Project, "project"), (Proposal, "proposal"), (Invoice, "invoice")):
        n = _count(select(model.id).where(model.client_id == client.id))
        if n:
            reasons.append(f"{client.name} has {_plural(n, word)}.")
    return Blockers(tuple(reasons))


def _decided_deliverables(project_id):
    return select(Deliverable.id).where(Deliverable.project_id == project_id, Deliverable.decided_at.is_not(None))


def _decided_proposals(project_id):
    return select(Proposal.id).where(Proposal.project_id == project_id, Proposal.decided_at.is_not(None))


def project_blockers(project: Project) -> Blockers:
    """A project with invoices, client decisions (receipts) or an answered proposal is kept."""
    reasons = []
    invoices = _count(select(Invoice.id).where(Invoice.project_id == project.id))
    if invoices:
        reasons.append(f"It has {_plural(invoices, 'invoice')}.")
    decided = _count(_decided_deliverables(project.id))
    if decided:
        reasons.append(f"The client decided on {_plural(decided, 'deliverable')}: the decision receipts are kept.")
    answered = _count(_decided_proposals(project.id))
    if answered:
        reasons.append(f"It comes from {_plural(answered, 'answered proposal')}.")
    return Blockers(tuple(reasons))


def deliverable_blockers(deliverable: Deliverable) -> Blockers:
    """A deliverable the client decided on is kept: the decision receipt needs it."""
    if deliverable.decided_at is not None or deliverable.approval_status != PENDING:
        return Blockers((f"The client decided on it ({deliverable.approval_label.lower()}): the receipt is kept.",))
    return Blockers(())


def proposal_blockers(proposal: Proposal) -> Blockers:
    """A proposal the client answered is kept: it holds their signed decision."""
    if proposal.decided_at is not None:
        return Blockers((f"The client answered it ({proposal.status}): the signed record is kept.",))
    return Blockers(())


BLOCKERS = {
    Client: client_blockers,
    Project: project_blockers,
    Deliverable: deliverable_blockers,
    Proposal: proposal_blockers,
}


def blockers(obj) -> Blockers:
    """Why this object cannot be deleted now (empty when it can)."""
    return BLOCKERS[type(obj)](obj)


class DeleteBlocked(ServiceError):
    """Something depends on the object; ``blockers`` says what."""

    def __init__(self, found: Blockers):
        super().__init__(" ".join(found.reasons) or "Something else now depends on it.")
        self.blockers = found


def _statement(obj):
    """The conditional delete: the row goes only if nothing that blocks it exists at that moment."""
    if isinstance(obj, Client):
        return delete(Client).where(
            Client.id == obj.id,
            ~exists().where(Project.client_id == obj.id),
            ~exists().where(Proposal.client_id == obj.id),
            ~exists().where(Invoice.client_id == obj.id),
        )
    if isinstance(obj, Project):
        return delete(Project).where(
            Project.id == obj.id,
            ~exists().where(Invoice.project_id == obj.id),
            ~exists(_decided_deliverables(obj.id)),
            ~exists(_decided_proposals(obj.id)),
        )
    if isinstance(obj, Deliverable):
        return delete(Deliverable).where(
            Deliverable.id == obj.id, Deliverable.decided_at.is_(None), Deliverable.approval_status == PENDING
        )
    return delete(Proposal).where(Proposal.id == obj.id, Proposal.decided_at.is_(None))


def delete_object(obj, actor: Actor) -> None:
    """Delete an object nothing depends on, with an Activity row; a project's stored files go after the commit."""
    model = type(obj)
    found = blockers(obj)
    if found:
        raise DeleteBlocked(found)
    org_id, project_id = _org_and_project(obj)
    label, object_id = _label(obj), obj.id
    keys: list[str] = []
    bundle_keys: list[str] = []
    try:
        if isinstance(obj, Project):
            # Lock the project and its deliverables (PostgreSQL): a new invoice, file or deliverable waits on the
            # lock and then fails its foreign key; a decision waits and then finds the deliverable gone.
            db.session.execute(select(Project.id).where(Project.id == obj.id).with_for_update())
            db.session.execute(select(Deliverable.id).where(Deliverable.project_id == obj.id).with_for_update())
            keys = media.take_derived_keys(project_id=obj.id)
            keys += list(
                db.session.execute(
                    delete(StoredFile).where(StoredFile.project_id == obj.id).returning(StoredFile.storage_key)
                ).scalars()
            )
            bundle_keys = bundle_keys_of(project_id=obj.id)
        elif isinstance(obj, Deliverable):
            bundle_keys = bundle_keys_of(deliverable_id=obj.id)
        result = db.session.execute(_statement(obj).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            db.session.rollback()
            current = db.session.get(model, object_id)
            if current is None:  # someone else deleted it first: the outcome asked for
                return
            raise DeleteBlocked(blockers(current))
        # The project's own timeline goes with it: the record of the delete lives at the organization level.
        record(
            actor,
            f"{model.__name__.lower()}.deleted",
            f"{actor.label} deleted {label}",
            org_id=org_id,
            project_id=None if isinstance(obj, Project) else project_id,
            details={"id": object_id, "name": label, "files": len(keys)},
        )
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise DeleteBlocked(Blockers(("Something that depends on it was added meanwhile; reload and look.",))) from exc
    remove_stored(keys + bundle_keys)


def remove_stored(keys: list[str]) -> None:
    """Remove stored bytes after their rows are gone; a storage failure is logged, the rows stay deleted."""
    storage = get_storage()
    for key in keys:
        try:
            storage.delete(key)
        except Exception:  # any backend error: the database is already right, the bytes are only orphaned
            current_app.logger.exception("could not remove stored object %s", key)
