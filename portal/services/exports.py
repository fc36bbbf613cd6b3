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


def proposal_rows(org_id: int, status: str | None, archived: bool, search: str = "") -> list[tuple]:
    """The proposals list's rows as plain tuples, with its filters."""
    query = (
        db.select(
            Proposal.id,
            Proposal.number,
            Proposal.title,
            Client.name,
            Proposal.status,
            Proposal.valid_until,
            Proposal.currency,
            Proposal.total_minor,
        )
        .join(Client, Client.id == Proposal.client_id)
        .where(Proposal.org_id == org_id)
        .where(Proposal.archived_at.is_not(None) if archived else Proposal.archived_at.is_(None))
        .order_by(Proposal.id.desc())
    )
    if status:
        query = query.where(Proposal.status == status)
    if search:
        query = query.where(matches(search, Proposal.number, Proposal.title, Client.name))
    return [(*row[:7], _amount(row[7])) for row in db.session.execute(query).all()]


def invoice_rows(org_id: int, status: str | None, today: date, search: str = "") -> list[tuple]:
    """The invoices list's rows as plain tuples, with its filters (overdue: sent and past due)."""
    query = (
        db.select(
            Invoice.id,
            Invoice.number,
            Client.name,
            Invoice.status,
            Invoice.issue_date,
            Invoice.due_date,
            Invoice.currency,
            Invoice.total_minor,
        )
        .join(Client, Client.id == Invoice.client_id)
        .where(Invoice.org_id == org_id)
        .order_by(Invoice.id.desc())
    )
    if status:
        query = query.where(shown_status_condition(status, today))
    if search:
        query = query.where(matches(search, Invoice.number, Client.name))
    rows = []
    for row in db.session.execute(query).all():
        shown = OVERDUE if row.status == SENT and row.due_date and row.due_date < today else row.status
        rows.append((row[0], row[1], row[2], shown, row[4], row[5], row[6], _amount(row[7])))
    return rows
