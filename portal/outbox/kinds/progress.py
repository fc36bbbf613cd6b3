"""The client's milestones: a project scheduled or in the field, and the signed copy of an accepted proposal."""

from __future__ import annotations

from portal.extensions import db
from portal.mailer import public_url_for as url
from portal.models import Client, Notification, Project, Proposal
from portal.models.project import IN_PROGRESS, SCHEDULED
from portal.outbox.recipients import project_recipients
from portal.outbox.registry import CLIENT, EmailKind, NotWanted, org_of, require
from portal.outbox.rows import new_batch, waiting
from portal.pdf import proposal_filename, proposal_pdf

# The moves a client hears about: the project got its dates, and the work in the field started.
PROGRESS_STATUSES = (SCHEDULED, IN_PROGRESS)


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
        queued = []
        for to in project_recipients(project, unlocked_only=True):
            key = f"{cls.name}:{project.id}:{to}"
            held = waiting(key)
            if held is not None:
                held.subject = cls.subject(project)[:300]
                queued.append(held)
            else:
                queued.append(new_batch(to, cls.name, cls.subject(project), project, key))
        return queued

    @classmethod
    def still_wanted(cls, notification: Notification) -> bool:
        project = db.session.get(Project, notification.project_id) if notification.project_id else None
        if project is not None and project.status not in PROGRESS_STATUSES:
            raise NotWanted("Not sent: the project moved on before it went out.")
        return project is not None and notification.to_email in project_recipients(project, unlocked_only=True)

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
