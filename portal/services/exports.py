"""Exports: CSV cells and files, and the dashboard lists as CSV rows.

Everything is read into plain values before the response starts: a streamed body runs after the request's
database session has closed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime

from portal.extensions import db
from portal.models import Client, Invoice, Proposal
from portal.models.invoice import OVERDUE, SENT, shown_status_condition
from portal.services.search import matches

BOM = "\ufeff"
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    """One CSV cell as text, with a leading quote on anything a spreadsheet would run as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _line(values: Iterable) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([cell(v) for v in values])
    return buffer.getvalue()


def csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """The CSV text, line by line: a byte-order mark (Excel reads UTF-8), the header, then each row."""
    yield BOM + _line(header)
    for row in rows:
        yield _line(row)


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A whole small CSV as one string."""
    return "".join(csv_lines(header, rows))


PROJECT_HEADER = ("ID", "Project", "Client", "Status", "Type", "Start", "Location", "Deliverables")
CLIENT_HEADER = ("ID", "Name", "Email", "Company", "Projects")
PROPOSAL_HEADER = ("ID", "Number", "Title", "Client", "Status", "Valid until", "Currency", "Total")
INVOICE_HEADER = ("ID", "Number", "Client", "Status", "Issued", "Due", "Currency", "Total")


def _amount(minor: int) -> str:
    return f"{minor / 100:.2f}"


def _documents(model, org_id: int, *columns):
    """A proposals or invoices list: id, number, the given columns, currency and total, newest first."""
    return (
        db.select(model.id, model.number, *columns, model.currency, model.total_minor)
        .join(Client, Client.id == model.client_id)
        .where(model.org_id == org_id)
        .order_by(model.id.desc())
    )


def proposal_rows(org_id: int, status: str | None, archived: bool, search: str = "") -> list[tuple]:
    """The proposals list's rows as plain tuples, with its filters."""
    query = _documents(Proposal, org_id, Proposal.title, Client.name, Proposal.status, Proposal.valid_until)
    query = query.where(Proposal.archived_at.is_not(None) if archived else Proposal.archived_at.is_(None))
    if status:
        query = query.where(Proposal.status == status)
    if search:
        query = query.where(matches(search, Proposal.number, Proposal.title, Client.name))
    return [(*row[:7], _amount(row[7])) for row in db.session.execute(query).all()]


def invoice_rows(org_id: int, status: str | None, today: date, search: str = "") -> list[tuple]:
    """The invoices list's rows as plain tuples, with its filters (overdue: sent and past due)."""
    query = _documents(Invoice, org_id, Client.name, Invoice.status, Invoice.issue_date, Invoice.due_date)
    if status:
        query = query.where(shown_status_condition(status, today))
    if search:
        query = query.where(matches(search, Invoice.number, Client.name))
    rows = []
    for row in db.session.execute(query).all():
        shown = OVERDUE if row.status == SENT and row.due_date and row.due_date < today else row.status
        rows.append((row[0], row[1], row[2], shown, row[4], row[5], row[6], _amount(row[7])))
    return rows
