"""Dashboard: CSV exports of the lists (with their current filters) and a project's record as a ZIP."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Response, g, request
from werkzeug.utils import secure_filename

from portal.dashboard import bp
from portal.dashboard.loaders import load
from portal.dashboard.paging import search_text
from portal.downloads import content_disposition
from portal.extensions import db
from portal.models import Project
from portal.models.invoice import STATUSES as INVOICE_STATUSES
from portal.models.project import STATUSES as PROJECT_STATUSES
from portal.models.proposal import STATUSES as PROPOSAL_STATUSES
from portal.services import clients as client_service
from portal.services import exports, project_record
from portal.services import projects as project_service


def _csv_response(name: str, header, rows: list) -> Response:
    """Stream a CSV built from plain rows already read."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    response = Response(
        (line.encode("utf-8") for line in exports.csv_lines(header, rows)), mimetype="text/csv; charset=utf-8"
    )
    response.headers["Content-Disposition"] = content_disposition(f"{name}-{stamp}.csv", inline=False)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _status(allowed) -> str | None:
    status = request.args.get("status", "")
    return status if status in allowed else None


def _archived() -> bool:
    return request.args.get("archived") == "1"


@bp.get("/projects/export.csv")
def projects_export():
    """The projects list as CSV, with the list's search, status and archived filters."""
    query = project_service.list_projects(g.org.id, _status(PROJECT_STATUSES), search_text() or None, _archived())
    rows = db.session.execute(query).all()
    plain = [(r.id, r.name, r.client_name, r.status, r.type, r.start_date, r.location, r.deliverables) for r in rows]
    return _csv_response("projects", exports.PROJECT_HEADER, plain)


@bp.get("/clients/export.csv")
def clients_export():
    """The clients list as CSV, with the list's search and archived filters."""
    rows = db.session.execute(client_service.list_clients(g.org.id, search_text(), _archived())).all()
    plain = [(r.id, r.name, r.email, r.company, r.projects) for r in rows]
    return _csv_response("clients", exports.CLIENT_HEADER, plain)


@bp.get("/proposals/export.csv")
def proposals_export():
    """The proposals list as CSV, with the list's search, status and archived filters."""
    rows = exports.proposal_rows(g.org.id, _status(PROPOSAL_STATUSES), _archived(), search_text())
    return _csv_response("proposals", exports.PROPOSAL_HEADER, rows)


@bp.get("/invoices/export.csv")
def invoices_export():
    """The invoices list as CSV, with the list's search and status filters."""
    rows = exports.invoice_rows(g.org.id, _status(INVOICE_STATUSES), date.today(), search_text())
    return _csv_response("invoices", exports.INVOICE_HEADER, rows)


@bp.get("/projects/<int:project_id>/export.zip")
def projects_export_zip(project_id: int):
    """The project's whole record: details, deliverables, files list, messages, activity and decision receipts."""
    project = load(Project, project_id)
    data = project_record.project_archive(project)
    name = secure_filename(project.name) or "project"
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = content_disposition(f"{name}-record.zip", inline=False)
    response.headers["Cache-Control"] = "private, no-store"
    return response
