"""The client's milestones: a project scheduled or in the field, and the signed copy of an accepted proposal."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from portal.extensions import db
from portal.mailer import public_url_for as url
from portal.models import Client, Notification, PortalLink, Project, Proposal
from portal.models.portal_link import active_link_condition
from portal.models.project import IN_PROGRESS, SCHEDULED
from portal.outbox.registry import CLIENT, EmailKind, NotWanted, org_of, require
from portal.outbox.rows import add, now, waiting
from portal.pdf import proposal_filename, proposal_pdf

# The moves a client hears about: the project got its dates, and the work in the field started.
PROGRESS_STATUSES = (SCHEDULED, IN_PROGRESS)


def progress_recipients(project: Project) -> list[str]:
    """Client emails with an active link to this project (or client-wide), emails on, and not locked."""
    at = now()
    rows = db.session.execute(
        db.select(PortalLink.client_email)
        .where(
            PortalLink.org_id == project.org_id,
            PortalLink.notify_email.is_(True),
            active_link_condition(at),
            # A locked link (wrong codes) hears nothing until the operator has looked at it.
            PortalLink.code_locked.is_(False),
            db.or_(PortalLink.locked_until.is_(None), PortalLink.locked_until <= at),
            db.or_(
                PortalLink.project_id == project.id,
                db.and_(PortalLink.project_id.is_(None), PortalLink.client_id == project.client_id),
            ),
        )
        .distinct()
        .order_by(PortalLink.client_email)
    ).scalars()
    return list(rows)


class ProjectProgress(
    EmailKind, name="project_progress", label="Project progress (client)", audience=CLIENT, update=True
):
    """The project is scheduled (with its dates) or its work in the field started: one email per batch window."""

    @classmethod
    def subject(cls, project: Project) -> str:
        """The subject line for where the project is now."""
        if project.status == SCHEDULED:
            return f"{project.name} is scheduled"
        return f"{project.name}: work in the field has started"

    @classmethod
    def queue(cls, project: Project) -> list[Notification]:
        """Tell the client where the project is; a move while an email waits changes that email instead."""
        if project.status not in PROGRESS_STATUSES:
            return []
        delay = timedelta(seconds=current_app.config["EMAIL_BATCH_SECONDS"])
        queued = []
        for to in progress_recipients(project):
            key = f"{cls.name}:{project.id}:{to}"
            held = waiting(key)
            if held is not None:
                held.subject = cls.subject(project)[:300]
                queued.append(held)
                continue
            queued.append(
                add(
                    project.org_id,
                    to,
                    cls.name,
                    cls.subject(project),
                    {"project_id": project.id},
                    project_id=project.id,
                    batch_key=key,
                    next_attempt_at=now() + delay if delay else None,
                )
            )
        return queued

    @classmethod
    def still_wanted(cls, notification: Notification) -> bool:
        project = db.session.get(Project, notification.project_id) if notification.project_id else None
        if project is not None and project.status not in PROGRESS_STATUSES:
            raise NotWanted("Not sent: the project moved on before it went out.")
        return project is not None and notification.to_email in progress_recipients(project)

    @classmethod
    def content(cls, notification: Notification) -> dict:
        project = require(db.session.get(Project, (notification.context or {})["project_id"]), "project")
        link = url("portal.project_page", slug=org_of(notification).slug, project_id=project.id)
        return {"project": project, "scheduled": project.status == SCHEDULED, "url": link}


class ProposalSigned(EmailKind, name="proposal_signed", label="Signed proposal (client)", audience=CLIENT):
    """The signed copy of an accepted proposal (a PDF attached), to whoever accepted it in the portal."""

    @classmethod
    def queue(cls, proposal: Proposal, to: str) -> list[Notification]:
        """Send the signer their copy; a receipt of their own act, so not subject to the "Emails" toggle."""
        subject = f"Your signed copy of proposal {proposal.number}: {proposal.title}"
        return cls.to_each([to], proposal.org_id, subject, {"proposal_id": proposal.id}, project_id=proposal.project_id)

    @classmethod
    def content(cls, notification: Notification) -> dict:
        proposal = require(db.session.get(Proposal, (notification.context or {})["proposal_id"]), "proposal")
        org = org_of(notification)
        document = proposal_pdf(proposal, org, db.session.get(Client, proposal.client_id))
        return {
            "proposal": proposal,
            "url": url("portal.proposal_page", slug=org.slug, proposal_id=proposal.id),
            "attachments": [(proposal_filename(proposal), "application/pdf", document)],
        }
