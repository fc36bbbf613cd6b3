"""Proposals and invoices: sent to the client, and a proposal's answer for the operators."""

from __future__ import annotations

from portal.extensions import db
from portal.mailer import public_url_for as url
from portal.models import Client, Invoice, Notification, Proposal
from portal.outbox.recipients import client_recipients, operator_recipients
from portal.outbox.registry import CLIENT, OPERATOR, EmailKind, org_of, require
from portal.outbox.rows import to_each


def _wanted_by_client(notification: Notification, model, key: str) -> bool:
    document = db.session.get(model, (notification.context or {}).get(key))
    client = db.session.get(Client, document.client_id) if document is not None else None
    return client is not None and notification.to_email in client_recipients(client)


def _proposal(notification: Notification) -> Proposal:
    return require(db.session.get(Proposal, (notification.context or {})["proposal_id"]), "proposal")


class ProposalSent(EmailKind):
    """A proposal awaits the client's answer."""

    name = "proposal_sent"
    label = "Proposal sent (client)"
    audience = CLIENT
    update = True

    @classmethod
    def queue(cls, proposal: Proposal) -> list[Notification]:
        """Tell the client a proposal awaits their answer."""
        client = db.session.get(Client, proposal.client_id)
        subject = f"Proposal {proposal.number}: {proposal.title}"
        context = {"proposal_id": proposal.id}
        return to_each(
            client_recipients(client), proposal.org_id, cls.name, subject, context, project_id=proposal.project_id
        )

    @classmethod
    def still_wanted(cls, notification: Notification) -> bool:
        return _wanted_by_client(notification, Proposal, "proposal_id")

    @classmethod
    def content(cls, notification: Notification) -> dict:
        proposal = _proposal(notification)
        org = org_of(notification)
        return {"proposal": proposal, "url": url("portal.proposal_page", slug=org.slug, proposal_id=proposal.id)}


class InvoiceSent(EmailKind):
    """A new invoice, to the client."""

    name = "invoice_sent"
    label = "Invoice sent (client)"
    audience = CLIENT
    update = True

    @classmethod
    def queue(cls, invoice: Invoice) -> list[Notification]:
        """Tell the client about a new invoice."""
        client = db.session.get(Client, invoice.client_id)
        subject = f"Invoice {invoice.number}"
        context = {"invoice_id": invoice.id}
        return to_each(
            client_recipients(client), invoice.org_id, cls.name, subject, context, project_id=invoice.project_id
        )

    @classmethod
    def still_wanted(cls, notification: Notification) -> bool:
        return _wanted_by_client(notification, Invoice, "invoice_id")

    @classmethod
    def content(cls, notification: Notification) -> dict:
        invoice = require(db.session.get(Invoice, (notification.context or {})["invoice_id"]), "invoice")
        org = org_of(notification)
        return {"invoice": invoice, "url": url("portal.invoice_page", slug=org.slug, invoice_id=invoice.id)}


class ProposalAnswered(EmailKind):
    """The client accepted or declined a proposal: to the operators."""

    name = "proposal_answered"
    label = "Proposal answered"
    audience = OPERATOR

    @classmethod
    def queue(cls, proposal: Proposal) -> list[Notification]:
        """Tell the operators the client accepted or declined a proposal."""
        subject = f"Proposal {proposal.number} was {proposal.status}"
        context = {"proposal_id": proposal.id}
        return to_each(
            operator_recipients(proposal.org_id),
            proposal.org_id,
            cls.name,
            subject,
            context,
            project_id=proposal.project_id,
        )

    @classmethod
    def content(cls, notification: Notification) -> dict:
        proposal = _proposal(notification)
        return {"proposal": proposal, "url": url("dashboard.proposals_show", proposal_id=proposal.id)}
