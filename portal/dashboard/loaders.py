"""The one scoped loader per object type: anything outside the current organization is a 404."""

from __future__ import annotations

from flask import abort, g

from portal.extensions import db
from portal.models import (
    Client,
    Deliverable,
    Invitation,
    Invoice,
    Membership,
    Message,
    Notification,
    PortalLink,
    Project,
    Proposal,
    StoredFile,
)

_ORG_OWNED = (Client, Project, Proposal, Invoice, PortalLink, Notification, Membership, Invitation)
_PROJECT_OWNED = (Deliverable, StoredFile, Message)


def load(model, object_id: int, *, for_update: bool = False):
    """Return the object with this id if it belongs to the current organization, else 404."""
    query = db.select(model).where(model.id == object_id)
    if model in _ORG_OWNED:
        query = query.where(model.org_id == g.org.id)
    elif model in _PROJECT_OWNED:
        query = query.join(Project, Project.id == model.project_id).where(Project.org_id == g.org.id)
    else:
        raise TypeError(f"no scoped loader for {model.__name__}")
    obj = db.session.execute(query).scalar_one_or_none()
    if obj is None:
        abort(404)
    return obj


def require_owner() -> None:
    """Only owners may change organization settings and members."""
    if not g.membership.is_owner:
        abort(403)
