"""Dashboard: one search box over projects, clients, proposals and invoices."""

from __future__ import annotations

from flask import g

from portal.dashboard import bp
from portal.dashboard.paging import search_text
from portal.htmx import render
from portal.models.invoice import STATUS_LABELS as INVOICE_STATUS_LABELS
from portal.models.project import STATUS_LABELS as PROJECT_STATUS_LABELS
from portal.models.proposal import STATUS_LABELS as PROPOSAL_STATUS_LABELS
from portal.services.search import search_everything

SECTION_SIZE = 10


@bp.get("/search")
def search():
    """The organization's records matching the header's search box, a few of each kind with a link to the rest."""
    text = search_text()
    results = search_everything(g.org.id, text, SECTION_SIZE) if text else None
    return render(
        "dashboard/search.html",
        search=text,
        results=results,
        project_status_labels=PROJECT_STATUS_LABELS,
        proposal_status_labels=PROPOSAL_STATUS_LABELS,
        invoice_status_labels=INVOICE_STATUS_LABELS,
    )
