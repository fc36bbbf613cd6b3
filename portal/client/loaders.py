"""The client side's loaders: one object the session may see, or the 404 (a foreign id leaks nothing)."""

from __future__ import annotations

from functools import cache

from flask import abort, g
from sqlalchemy import bindparam

from portal.client.visibility import (
    sent_to_client,
    shown_deliverable,
    visibility,
    visible_ids_statement,
)
from portal.extensions import db
from portal.models import Deliverable, Invoice, Project, Proposal, StoredFile
from portal.models.file import client_visible_file


def _first_or_404(statement, object_id: int):
    found = db.session.execute(statement, {**visibility(g.portal), "object_id": object_id}).scalar_one_or_none()
    if found is None:
        abort(404)
    return found


@cache
def _statements() -> dict:
    object_id = bindparam("object_id")
    visible = visible_ids_statement()
    return {
        "project": db.select(Project).where(Project.id == object_id, Project.id.in_(visible)),
        "deliverable": db.select(Deliverable).where(
            Deliverable.id == object_id, shown_deliverable(), Deliverable.project_id.in_(visible)
        ),
        "file": db.select(StoredFile).where(
            StoredFile.id == object_id, client_visible_file(), StoredFile.project_id.in_(visible)
        ),
        "proposal": db.select(Proposal).where(Proposal.id == object_id, sent_to_client(Proposal)),
        "invoice": db.select(Invoice).where(Invoice.id == object_id, sent_to_client(Invoice)),
    }


def load_project(project_id: int) -> Project:
    """A project the session may see, else 404."""
    return _first_or_404(_statements()["project"], project_id)


def load_deliverable(deliverable_id: int) -> Deliverable:
    """A client-visible deliverable of a visible project, else 404."""
    return _first_or_404(_statements()["deliverable"], deliverable_id)


def load_file(file_id: int) -> StoredFile:
    """A client-visible file of a visible project, else 404."""
    return _first_or_404(_statements()["file"], file_id)


def load_proposal(proposal_id: int) -> Proposal:
    """A proposal sent to this client, else 404."""
    return _first_or_404(_statements()["proposal"], proposal_id)


def load_invoice(invoice_id: int) -> Invoice:
    """An invoice sent to this client, else 404."""
    return _first_or_404(_statements()["invoice"], invoice_id)
