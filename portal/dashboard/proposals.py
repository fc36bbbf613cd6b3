"""Dashboard: proposals."""

from __future__ import annotations

from datetime import date

from flask import g, request, url_for

from portal.dashboard import bp
from portal.dashboard.billing_forms import AcceptForm, DeclineForm, ProposalForm, fill_choices
from portal.dashboard.documents import DocumentPages
from portal.dashboard.guard import current_actor
from portal.dashboard.loaders import load
from portal.htmx import done
from portal.models import Client, Proposal
from portal.models.proposal import ACCEPTED, STATUS_LABELS
from portal.models.proposal import list_columns as proposal_columns
from portal.services import invoices as invoice_service
from portal.services import proposals as proposal_service

PAGES = DocumentPages(
    drafts=proposal_service.DRAFTS,
    form_class=ProposalForm,
    status_labels=STATUS_LABELS,
    # The list filters by the stored status: a sent proposal past its validity stays among the sent ones.
    status_condition=lambda status, _today: Proposal.status == status,
    card_forms=lambda: {"accept_form": AcceptForm(formdata=None), "decline_form": DeclineForm(formdata=None)},
)
PAGES.add_routes(bp)


@bp.get("/proposals")
def proposals_index():
    """List proposals a page at a time, filtered by status and a search (number, title or client)."""
    query = PAGES.list_query(proposal_columns())
    archived = request.args.get("archived") == "1"
    query = query.where(Proposal.archived_at.is_not(None) if archived else Proposal.archived_at.is_(None))
    search_columns = (Proposal.number, Proposal.title, Client.name)
    return PAGES.list_page(query, search_columns, {"archived": "1" if archived else None}, archived=archived)


@bp.route("/proposals/new", methods=["GET", "POST"])
def proposals_new():
    """Draft a proposal."""
    return PAGES.new(fill_choices(ProposalForm(client_id=request.args.get("client_id", type=int)), g.org.id))


@bp.post("/proposals/<int:proposal_id>/send")
def proposals_send(proposal_id: int):
    """Send a draft proposal to the client."""
    proposal = load(Proposal, proposal_id)
    return PAGES.status_action(
        proposal, lambda: proposal_service.send_proposal(proposal, current_actor()), f"Proposal {proposal.number} sent."
    )


def _answer(proposal: Proposal, form, form_name: str, action, message: str):
    # The operator records an answer given on paper or by phone; an invalid form is shown back in the card.
    if not form.validate_on_submit():
        return PAGES.invalid_card(proposal, **{form_name: form})
    return PAGES.status_action(proposal, action, message, **{form_name: form})


@bp.post("/proposals/<int:proposal_id>/accept")
def proposals_accept(proposal_id: int):
    """Record the client's acceptance (creates the project when the proposal has none)."""
    proposal = load(Proposal, proposal_id)
    form = AcceptForm()
    return _answer(
        proposal,
        form,
        "accept_form",
        lambda: proposal_service.accept_proposal(proposal, current_actor(), name=form.name.data),
        f"Proposal {proposal.number} accepted; its project is ready.",
    )


@bp.post("/proposals/<int:proposal_id>/decline")
def proposals_decline(proposal_id: int):
    """Record that the client declined, with the reason."""
    proposal = load(Proposal, proposal_id)
    form = DeclineForm()
    return _answer(
        proposal,
        form,
        "decline_form",
        lambda: proposal_service.decline_proposal(proposal, current_actor(), reason=form.reason.data),
        f"Proposal {proposal.number} marked declined.",
    )


@bp.post("/proposals/<int:proposal_id>/invoice")
def proposals_invoice(proposal_id: int):
    """Start a draft invoice from an accepted proposal's lines."""
    proposal = load(Proposal, proposal_id)
    if proposal.status != ACCEPTED:
        return PAGES.invalid_card(proposal, action_error="Only an accepted proposal can be invoiced.")
    invoice = invoice_service.DRAFTS.create(
        g.org,
        current_actor(),
        client_id=proposal.client_id,
        project_id=proposal.project_id,
        issue_date=date.today(),
        due_date=None,
        notes=None,
        payment_url=None,
        lines=invoice_service.lines_from_proposal(proposal),
    )
    return done(url_for("dashboard.invoices_edit", invoice_id=invoice.id), f"Invoice {invoice.number} drafted.")
