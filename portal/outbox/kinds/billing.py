"""Proposals and invoices: sent to the client, and a proposal's answer for the operators."""

from __future__ import annotations

from typing import ClassVar

from portal.extensions import db
from portal.mailer import public_url_for as url
from portal.models import Client, Invoice, Notification, Proposal
from portal.outbox.recipients import client_recipients
from portal.outbox.registry import CLIENT, OPERATOR, EmailKind, org_of, require


class _SentToClient(EmailKind):
    """A document sent to the client, to the client's own address (it is what sees billing)."""

    audience = CLIENT
    update = True
    model: ClassVar[type[Proposal] | type[Invoice]]
    # The template's name for the document, and its id's key in the notification's context.
    noun: ClassVar[str]
    endpoint: ClassVar[str]
    # The subject line, formatted with the document as ``document``.
    subject: ClassVar[str]

    @classmethod
    def queue(cls, document: Proposal | Invoice) -> list[Notification]:
        """Tell the client about the document."""
        client = db.session.get(Client, document.client_id)
        subject = cls.subject.format(document=document)
        context = {f"{cls.noun}_id": document.id}
        return cls.to_each(client_recipients(client), document.org_id, subject, context, project_id=document.project_id)

    @classmethod
    def still_wanted(cls, notification: Notification) -> bool:
        document = db.session.get(cls.model, (notification.context or {}).get(f"{cls.noun}_id"))
        client = db.session.get(Client, document.client_id) if document is not None else None
        return client is not None and notification.to_email in client_recipients(client)

    @classmethod
    def content(cls, notification: Notification) -> dict:
        document = require(db.session.get(cls.model, (notification.context or {})[f"{cls.noun}_id"]), cls.noun)
        link = url(cls.endpoint, slug=org_of(notification).slug, **{f"{cls.noun}_id": document.id})
        return {cls.noun: document, "url": link}


class ProposalSent(_SentToClient, name="proposal_sent", label="Proposal sent (client)"):
    """A proposal awaits the client's answer."""

    model = Proposal
    noun = "proposal"
    endpoint = "portal.proposal_page"
    subject = "Proposal {document.number}: {document.title}"


class InvoiceSent(_SentToClient, name="invoice_sent", label="Invoice sent (client)"):
    """A new invoice, to the client."""

    model = Invoice
    noun = "invoice"
    endpoint = "portal.invoice_page"
    subject = "Invoice {document.number}"


class ProposalAnswered(EmailKind, name="proposal_answered", label="Proposal answered", audience=OPERATOR):
    """The client accepted or declined a proposal: to the operators."""

    @classmethod
    def queue(cls, proposal: Proposal) -> list[Notification]:
        """Tell the operators the client accepted or declined a proposal."""
        subject = f"Proposal {proposal.number} was {proposal.status}"
        return cls.to_operators(proposal.org_id, subject, {"proposal_id": proposal.id}, project_id=proposal.project_id)

    @classmethod
    def content(cls, notification: Notification) -> dict:
        proposal = require(db.session.get(Proposal, (notification.context or {})["proposal_id"]), "proposal")
        return {"proposal": proposal, "url": url("dashboard.proposals_show", proposal_id=proposal.id)}
