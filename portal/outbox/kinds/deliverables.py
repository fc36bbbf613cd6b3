"""Deliverables: ready for the client's review, and the client's decision for the operators."""

from __future__ import annotations

from portal.extensions import db
from portal.mailer import public_url_for as url
from portal.models import Deliverable, Notification, Project
from portal.models.deliverable import APPROVED, PENDING, READY, REJECTED, REVISION_REQUESTED
from portal.outbox.recipients import project_recipients
from portal.outbox.registry import CLIENT, OPERATOR, EmailKind, org_of, require
from portal.outbox.rows import already_queued

VERDICTS = {APPROVED: "approved", REVISION_REQUESTED: "asked for a revision of", REJECTED: "rejected"}


def _deliverable(notification: Notification) -> tuple[Deliverable, Project]:
    deliverable = require(db.session.get(Deliverable, (notification.context or {})["deliverable_id"]), "deliverable")
    return deliverable, db.session.get(Project, deliverable.project_id)


class DeliverableReady(
    EmailKind, name="deliverable_ready", label="Deliverable ready (client)", audience=CLIENT, update=True
):
    """A deliverable awaits the client's review."""

    @classmethod
    def queue(cls, deliverable: Deliverable) -> list[Notification]:
        """Tell the client a deliverable awaits their review (once per version and recipient)."""
        if not (deliverable.client_visible and deliverable.status == READY and deliverable.approval_status == PENDING):
            return []
        project = db.session.get(Project, deliverable.project_id)
        added = []
        for to in project_recipients(project):
            key = f"deliverable:{deliverable.id}:v{deliverable.version}:{to}"
            if already_queued(key):
                continue
            subject = f"Ready for your review: {deliverable.title}"
            context = {"deliverable_id": deliverable.id}
            added += cls.to_each([to], project.org_id, subject, context, project_id=project.id, batch_key=key)
        return added

    @classmethod
    def still_wanted(cls, notification: Notification) -> bool:
        project = db.session.get(Project, notification.project_id) if notification.project_id else None
        return project is not None and notification.to_email in project_recipients(project)

    @classmethod
    def content(cls, notification: Notification) -> dict:
        deliverable, project = _deliverable(notification)
        org = org_of(notification)
        link = url("portal.project_page", slug=org.slug, project_id=project.id, _anchor=f"deliverable-{deliverable.id}")
        return {"deliverable": deliverable, "project": project, "url": link}


class DeliverableDecided(EmailKind, name="deliverable_decided", label="Deliverable decision", audience=OPERATOR):
    """The client approved, rejected or asked for a revision: to the operators."""

    @classmethod
    def queue(cls, deliverable: Deliverable) -> list[Notification]:
        """Tell the operators what the client decided."""
        project = db.session.get(Project, deliverable.project_id)
        who = deliverable.decided_by_name or deliverable.decided_by_email
        subject = f"{who} {VERDICTS.get(deliverable.approval_status, 'decided on')} {deliverable.title}"
        context = {"deliverable_id": deliverable.id}
        return cls.to_operators(project.org_id, subject, context, project_id=project.id)

    @classmethod
    def content(cls, notification: Notification) -> dict:
        deliverable, project = _deliverable(notification)
        return {
            "deliverable": deliverable,
            "project": project,
            "url": url("dashboard.projects_show", project_id=project.id),
        }
