"""PDF documents rendered with WeasyPrint from HTML templates."""

from __future__ import annotations

import base64
from datetime import date

from flask import Response, render_template

from portal.downloads import content_disposition
from portal.extensions import db
from portal.models import Client, Invoice, Organization, Proposal
from portal.models.proposal import ACCEPTED
from portal.models.proposal import STATUS_LABELS as PROPOSAL_STATUS_LABELS
from portal.storage import StorageError, get_storage


def _logo_data_uri(org: Organization) -> str | None:
    if not org.logo_key:
        return None
    try:
        with get_storage().open(org.logo_key) as handle:
            data = handle.read()
    except StorageError:
        return None
    return "data:image/png;base64," + base64.b64encode(data).decode()


def _pdf(template: str, org: Organization, client: Client, **context) -> bytes:
    from weasyprint import HTML

    html = render_template(template, org=org, client=client, logo=_logo_data_uri(org), **context)
    # No base_url: the document loads nothing from the network or the disk.
    return HTML(string=html).write_pdf()


def invoice_pdf(invoice: Invoice, org: Organization, client: Client) -> bytes:
    """The invoice as a PDF document."""
    return _pdf("pdf/invoice.html", org, client, invoice=invoice, status=invoice.display_status(date.today()))


def proposal_pdf(proposal: Proposal, org: Organization, client: Client) -> bytes:
    """The proposal as a PDF document; once accepted, the signed copy (typed name, time and IP)."""
    status = PROPOSAL_STATUS_LABELS[proposal.display_status(date.today())]
    return _pdf("pdf/proposal.html", org, client, proposal=proposal, status=status)


def proposal_filename(proposal: Proposal) -> str:
    """The file name of a proposal's PDF; an accepted one is the signed copy."""
    return f"{proposal.number}-signed.pdf" if proposal.status == ACCEPTED else f"{proposal.number}.pdf"


def download(document: Proposal | Invoice, org: Organization) -> Response:
    """The proposal's or invoice's PDF as a file to save, for either side."""
    client = db.session.get(Client, document.client_id)
    if isinstance(document, Proposal):
        data, filename = proposal_pdf(document, org, client), proposal_filename(document)
    else:
        data, filename = invoice_pdf(document, org, client), f"{document.number}.pdf"
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(filename, inline=False)
    return response
