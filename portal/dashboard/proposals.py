"""Dashboard: proposals."""

from __future__ import annotations

from datetime import date

from flask import Response, g, request, url_for

from portal.dashboard import bp
from portal.dashboard.billing_forms import AcceptForm, DeclineForm, ProposalForm, fill_choices
from portal.dashboard.documents import submit_document
from portal.dashboard.guard import current_actor
from portal.dashboard.loaders import load
from portal.dashboard.paging import paginate, search_text
from portal.downloads import content_disposition
from portal.extensions import db
from portal.htmx import done, invalid, render
from portal.models import Client, Proposal
from portal.models.proposal import ACCEPTED, DRAFT, STATUS_LABELS, STATUSES
from portal.models.proposal import list_columns as proposal_columns
from portal.pdf import proposal_filename, proposal_pdf
from portal.services import invoices as invoice_service
from portal.services import proposals as proposal_service
from portal.services.errors import ServiceError
from portal.services.search import matches

FORM = "dashboard/proposals/form.html"
SHOW = "dashboard/proposals/show.html"


def _fields(form: ProposalForm, lines) -> dict:
    return {
        "client_id": form.client_id.data,
        "project_id": form.project_id.data or None,
        "title": form.title.data,
        "intro": form.intro.data,
        "terms": form.terms.data,
        "valid_until": form.valid_until.data,
        "lines": lines,
    }


def _show_context(proposal: Proposal, **overrides) -> dict:
    context = {
        "proposal": proposal,
        "client": db.session.get(Client, proposal.client_id),
        "status": proposal_service.display_status(proposal, date.today()),
        "status_labels": STATUS_LABELS,
        "accept_form": AcceptForm(formdata=None),
        "decline_form": DeclineForm(formdata=None),
        "action_error": None,
    }
    context.update(overrides)
    return context


@bp.get("/proposals")
def proposals_index():
    """List proposals a page at a time, filtered by status and a search (number, title or client)."""
    status = request.args.get("status", "")
    status = status if status in STATUSES else ""
    query = (
        db.select(*proposal_columns(), Client.name.label("client_name"))
        .join(Client, Client.id == Proposal.client_id)
        .where(Proposal.org_id == g.org.id)
        .order_by(Proposal.id.desc())
    )
    if status:
        query = query.where(Proposal.status == status)
    archived = request.args.get("archived") == "1"
    query = query.where(Proposal.archived_at.is_not(None) if archived else Proposal.archived_at.is_(None))
    search = search_text()
    if search:
        query = query.where(matches(search, Proposal.number, Proposal.title, Client.name))
    page = paginate(
        query, "dashboard.proposals_index", {"q": search, "status": status, "archived": "1" if archived else None}
    )
    return render(
        "dashboard/proposals/index.html",
        "proposal_list",
        proposals=page.rows,
        page=page,
        search=search,
        status_filter=status,
        status_labels=STATUS_LABELS,
        today=date.today(),
        archived=archived,
    )


@bp.route("/proposals/new", methods=["GET", "POST"])
def proposals_new():
    """Draft a proposal."""
    form = fill_choices(ProposalForm(client_id=request.args.get("client_id", type=int)), g.org.id)
    if form.is_submitted():
        return submit_document(
            form,
            FORM,
            {"form": form, "proposal": None},
            _fields,
            proposal_service.create_proposal,
            proposal_service.update_proposal,
            None,
            lambda saved: done(
                url_for("dashboard.proposals_show", proposal_id=saved.id), f"Proposal {saved.number} drafted."
            ),
        )
    return render(FORM, form=form, proposal=None)


@bp.get("/proposals/<int:proposal_id>")
def proposals_show(proposal_id: int):
    """A proposal with its lines, totals and actions."""
    proposal = load(Proposal, proposal_id)
    return render(SHOW, **_show_context(proposal))


@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
def proposals_edit(proposal_id: int):
    """Edit a draft proposal."""
    proposal = load(Proposal, proposal_id)
    if proposal.status != DRAFT:
        return done(
            url_for("dashboard.proposals_show", proposal_id=proposal.id), "Only a draft proposal can be edited."
        )
    form = fill_choices(ProposalForm(obj=proposal), g.org.id, proposal.client_id, proposal.project_id)
    if form.is_submitted():
        return submit_document(
            form,
            FORM,
            {"form": form, "proposal": proposal},
            _fields,
            proposal_service.create_proposal,
            proposal_service.update_proposal,
            proposal,
            lambda _saved: done(url_for("dashboard.proposals_show", proposal_id=proposal.id), "Proposal saved."),
        )
    form.project_id.data = proposal.project_id or 0
    form.load_lines(proposal.lines, proposal.currency, g.org.locale)
    return render(FORM, form=form, proposal=proposal)


def _status_action(proposal: Proposal, action, message: str, **overrides):
    try:
        action()
    except ServiceError as exc:
        db.session.rollback()
        return invalid(SHOW, "status_card", **_show_context(proposal, action_error=exc.message, **overrides))
    return done(
        url_for("dashboard.proposals_show", proposal_id=proposal.id),
        message,
        template=SHOW,
        block="status_card",
        **_show_context(proposal),
    )


@bp.post("/proposals/<int:proposal_id>/send")
def proposals_send(proposal_id: int):
    """Send a draft proposal to the client."""
    proposal = load(Proposal, proposal_id)
    return _status_action(
        proposal, lambda: proposal_service.send_proposal(proposal, current_actor()), f"Proposal {proposal.number} sent."
    )


@bp.post("/proposals/<int:proposal_id>/accept")
def proposals_accept(proposal_id: int):
    """Record the client's acceptance (creates the project when the proposal has none)."""
    proposal = load(Proposal, proposal_id)
    form = AcceptForm()
    if not form.validate_on_submit():
        return invalid(SHOW, "status_card", **_show_context(proposal, accept_form=form))
    return _status_action(
        proposal,
        lambda: proposal_service.accept_proposal(proposal, current_actor(), name=form.name.data),
        f"Proposal {proposal.number} accepted; its project is ready.",
        accept_form=form,
    )


@bp.post("/proposals/<int:proposal_id>/decline")
def proposals_decline(proposal_id: int):
    """Record that the client declined, with the reason."""
    proposal = load(Proposal, proposal_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        return invalid(SHOW, "status_card", **_show_context(proposal, decline_form=form))
    return _status_action(
        proposal,
        lambda: proposal_service.decline_proposal(proposal, current_actor(), reason=form.reason.data),
        f"Proposal {proposal.number} marked declined.",
        decline_form=form,
    )


@bp.post("/proposals/<int:proposal_id>/invoice")
def proposals_invoice(proposal_id: int):
    """Start a draft invoice from an accepted proposal's lines."""
    proposal = load(Proposal, proposal_id)
    if proposal.status != ACCEPTED:
        return invalid(
            SHOW, "status_card", **_show_context(proposal, action_error="Only an accepted proposal can be invoiced.")
        )
    invoice = invoice_service.create_invoice(
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


@bp.get("/proposals/<int:proposal_id>/pdf")
def proposals_pdf(proposal_id: int):
    """Download the proposal as a PDF (the signed copy once accepted)."""
    proposal = load(Proposal, proposal_id)
    data = proposal_pdf(proposal, g.org, db.session.get(Client, proposal.client_id))
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(proposal_filename(proposal), inline=False)
    return response
