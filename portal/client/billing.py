"""The client's proposals and invoices: read, accept or decline, download, pay."""

from __future__ import annotations

from datetime import date

from flask import g, request, url_for

from portal import pdf
from portal.blocks import BlockPage, Sources
from portal.client import bp
from portal.client.forms import AcceptProposalForm, DeclineProposalForm
from portal.client.loaders import load_invoice, load_proposal
from portal.client.session import client_actor
from portal.extensions import db
from portal.htmx import render
from portal.services import proposals as proposal_service
from portal.services.errors import ServiceError

PROPOSAL = "client/proposal.html"
INVOICE = "client/invoice.html"


class ProposalSources(Sources):
    """A proposal and the forms of its answer."""


def _answer_block(page: ProposalSources) -> dict:
    proposal = page.obj
    return {
        "proposal": proposal,
        "status": proposal.display_status(date.today()),
        "accept_form": page.form("accept_form", AcceptProposalForm),
        "decline_form": page.form("decline_form", DeclineProposalForm),
        "answer_error": page.inputs.get("answer_error"),
    }


# The badges come from the shell's lazy context processor, read only when the block renders.
PAGE = BlockPage(PROPOSAL, ProposalSources, lambda page: {}, {"answer": _answer_block, "badges": lambda page: {}})


@bp.get("/portal/<slug>/proposals/<int:proposal_id>")
def proposal_page(proposal_id: int):
    """A proposal: lines, totals, terms, validity, and the answer."""
    proposal = load_proposal(proposal_id)
    return PAGE.render(proposal)


@bp.get("/portal/<slug>/proposals/<int:proposal_id>/pdf")
def proposal_download(proposal_id: int):
    """The proposal as a PDF; once accepted, the signed copy."""
    return pdf.download(load_proposal(proposal_id), g.portal.org)


def _answer(proposal_id: int, form, form_name: str, action):
    """Run the client's answer and swap the answer card: the new state, or the form or error to correct."""
    proposal = load_proposal(proposal_id)
    if not form.validate_on_submit():
        return PAGE.invalid(proposal, "answer", oob=("badges",), **{form_name: form})
    try:
        action(proposal, client_actor(), request.remote_addr)
    except ServiceError as exc:
        db.session.rollback()
        return PAGE.invalid(proposal, "answer", oob=("badges",), status_code=409, answer_error=exc.message)
    return PAGE.done(
        proposal, url_for("portal.proposal_page", proposal_id=proposal.id), None, "answer", oob=("badges",)
    )


@bp.post("/portal/<slug>/proposals/<int:proposal_id>/accept")
def accept_proposal(proposal_id: int):
    """Accept by typing one's full name (recorded with the time and IP)."""
    form = AcceptProposalForm()
    return _answer(
        proposal_id,
        form,
        "accept_form",
        lambda proposal, actor, ip: proposal_service.accept_proposal(proposal, actor, name=form.name.data, ip=ip),
    )


@bp.post("/portal/<slug>/proposals/<int:proposal_id>/decline")
def decline_proposal(proposal_id: int):
    """Decline with a reason."""
    form = DeclineProposalForm()
    return _answer(
        proposal_id,
        form,
        "decline_form",
        lambda proposal, actor, ip: proposal_service.decline_proposal(
            proposal, actor, reason=form.reason.data, name=g.portal.link.client_name, ip=ip
        ),
    )


@bp.get("/portal/<slug>/invoices/<int:invoice_id>")
def invoice_page(invoice_id: int):
    """An invoice: lines, tax, totals, status, due date, PDF and the pay link."""
    invoice = load_invoice(invoice_id)
    return render(INVOICE, invoice=invoice, status=invoice.display_status(date.today()))


@bp.get("/portal/<slug>/invoices/<int:invoice_id>/pdf")
def invoice_download(invoice_id: int):
    """The invoice as a PDF."""
    return pdf.download(load_invoice(invoice_id), g.portal.org)
