"""Money for proposals and invoices: parsing, line totals and per-organization numbering."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel import numbers
from sqlalchemy import text, update

from portal.extensions import db
from portal.formatting import DEFAULT_LOCALE, ZERO_DECIMAL
from portal.models import Client, Organization, Project
from portal.models.billing_document import DRAFT
from portal.services.activity import Actor, record
from portal.services.errors import ServiceError

MAX_QUANTITY = Decimal("1000000")
MAX_UNIT_PRICE_MINOR = 10_000_000_00  # ten million in major units
MAX_LINES = 100
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_DIGITS_AND_SEPARATORS = re.compile(r"^[\d.,'’]+$")
_DOT_DECIMAL = re.compile(r"^\d+\.(\d{1,2}|\d{4,})$")


class LineError(ValueError):
    """A line field that cannot be accepted; ``field`` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class LineInput:
    """One parsed, valid line."""

    description: str
    quantity: Decimal
    unit_price_minor: int
    tax_rate_bp: int


def _decimal(field: str, raw: str, what: str, locale: str | None) -> Decimal:
    locale = locale or DEFAULT_LOCALE
    # Grouping may be typed as any kind of space (fr, nb, sv use a no-break space); it carries no value.
    cleaned = _SPACES.sub("", raw or "")
    if not cleaned:
        raise LineError(field, f"Enter the {what}.")
    if cleaned.startswith("-"):
        raise LineError(field, f"The {what} cannot be negative.")
    try:
        if not _DIGITS_AND_SEPARATORS.match(cleaned):  # no exponents ("1e9"), signs or words
            raise numbers.NumberFormatError(cleaned)
        return numbers.parse_decimal(cleaned, locale=locale, strict=True)
    except numbers.NumberFormatError:
        # A dot followed by anything but a group of three is a decimal point everywhere ("12.5" in de_DE).
        if _DOT_DECIMAL.match(cleaned):
            return Decimal(cleaned)
    example = numbers.format_decimal(Decimal("1250.50"), format="#,##0.00", locale=locale)
    raise LineError(field, f"The {what} must be a number like {example}.")


def parse_quantity(raw: str, locale: str | None = None) -> Decimal:
    """A quantity ≥ 0 with at most three decimals, typed in the organization's number format."""
    value = _decimal("quantity", raw, "quantity", locale)
    if value != value.quantize(Decimal("0.001")):
        raise LineError("quantity", "Use at most three decimals for the quantity.")
    if value > MAX_QUANTITY:
        raise LineError("quantity", "That quantity is too large.")
    return value


def parse_money(raw: str, currency: str, locale: str | None = None) -> int:
    """A price typed by a person in the organization's number format, as integer minor units of the currency."""
    value = _decimal("unit_price", raw, "price", locale)
    places = 0 if currency in ZERO_DECIMAL else 2
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise LineError(
            "unit_price",
            f"Use at most {places} decimals for the price." if places else f"{currency} prices have no decimals.",
        )
    minor = int(value.scaleb(places))
    if minor > MAX_UNIT_PRICE_MINOR:
        raise LineError("unit_price", "That price is too large.")
    return minor


def parse_tax_rate(raw: str, locale: str | None = None) -> int:
    """A tax rate in percent (e.g. 20 or 7.5) as basis points; blank means no tax."""
    if not (raw or "").strip():
        return 0
    value = _decimal("tax_rate", raw.rstrip("% "), "tax rate", locale)
    if value > 100:
        raise LineError("tax_rate", "The tax rate is a percentage from 0 to 100.")
    if value != value.quantize(Decimal("0.01")):
        raise LineError("tax_rate", "Use at most two decimals for the tax rate.")
    return int(value * 100)


def line_amounts(quantity: Decimal, unit_price_minor: int, tax_rate_bp: int) -> tuple[int, int]:
    """Net and tax of one line in minor units, each rounded half up."""
    net = (quantity * unit_price_minor).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    tax = (net * tax_rate_bp / Decimal(10000)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(net), int(tax)


def apply_lines(document, line_model, lines: list[LineInput]) -> None:
    """Replace a proposal's or invoice's lines and recompute its totals in minor units."""
    if not lines:
        raise ServiceError("Add at least one line with a description, quantity and price.", "lines")
    if len(lines) > MAX_LINES:
        raise ServiceError(f"A document has at most {MAX_LINES} lines.", "lines")
    document.lines.clear()
    subtotal = tax_total = 0
    for position, line in enumerate(lines):
        net, tax = line_amounts(line.quantity, line.unit_price_minor, line.tax_rate_bp)
        subtotal += net
        tax_total += tax
        document.lines.append(line_model(position=position, **asdict(line), net_minor=net, tax_minor=tax))
    document.subtotal_minor = subtotal
    document.tax_minor = tax_total
    document.total_minor = subtotal + tax_total


def next_number(org_id: int, kind: str) -> str:
    """Take the organization's next proposal or invoice number inside the caller's transaction."""
    column, prefix = {"proposal": ("proposal_seq", "P"), "invoice": ("invoice_seq", "INV")}[kind]
    # One atomic UPDATE … RETURNING: concurrent creators never get the same number.
    value = db.session.execute(
        text(f"UPDATE organization SET {column} = {column} + 1 WHERE id = :id RETURNING {column}"), {"id": org_id}
    ).scalar_one()
    return f"{prefix}-{value:04d}"


def set_parties(document, org: Organization, client_id: int | None, project_id: int | None) -> None:
    """Give the document its client and optional project, both of this organization and of each other."""
    client = db.session.get(Client, client_id) if client_id else None
    if client is None or client.org_id != org.id:
        raise ServiceError("Choose one of your clients.", "client_id")
    project = db.session.get(Project, project_id) if project_id else None
    if project_id and (project is None or project.org_id != org.id):
        raise ServiceError("Choose one of your projects.", "project_id")
    if project is not None and project.client_id != client.id:
        raise ServiceError("That project belongs to another client.", "project_id")
    document.client_id = client.id
    document.project_id = project.id if project else None


def hold_status(document, allowed: tuple[str, ...]) -> bool:
    """Lock the document's row while its status is still one of ``allowed``, for the change the caller then writes;
    False, with the transaction rolled back and the document read again, when a simultaneous change got there first.

    One conditional UPDATE is the whole check: of two simultaneous changes the second waits for the first to commit
    and then finds the status it left."""
    model = type(document)
    held = db.session.execute(
        update(model)
        .where(model.id == document.id, model.status.in_(allowed))
        .values(status=model.status)
        .execution_options(synchronize_session=False)
    )
    if held.rowcount == 1:
        return True
    db.session.rollback()
    db.session.refresh(document)
    return False


@dataclass(frozen=True)
class Drafts:
    """How one kind of billing document is drafted and edited: its models, its name and how its own fields are set."""

    model: type
    line_model: type
    kind: str  # "proposal" or "invoice": names its number sequence, its activity verbs and its messages
    # Sets the document's own fields from keyword arguments (the parties and lines are set around it); may raise.
    fill: Callable
    first_field: str  # the form field that shows "only a draft can be edited"

    def create(self, org: Organization, actor: Actor, **fields):
        """Draft a document with the organization's next number, and record it."""
        document = self.model(org_id=org.id, currency=org.currency, status=DRAFT, number="")
        self._fill(document, org, **fields)
        document.number = next_number(org.id, self.kind)
        db.session.add(document)
        db.session.flush()
        record(actor, f"{self.kind}.created", f"{actor.label} drafted {self.kind} {document.number}", subject=document)
        db.session.commit()
        return document

    def update(self, document, org: Organization, actor: Actor, **fields):
        """Change a draft's fields and record it; a document once sent stays as it was sent."""
        if document.status != DRAFT or not hold_status(document, (DRAFT,)):
            raise ServiceError(f"Only a draft {self.kind} can be edited.", self.first_field)
        self._fill(document, org, **fields)
        record(actor, f"{self.kind}.updated", f"{actor.label} updated {self.kind} {document.number}", subject=document)
        db.session.commit()
        return document

    def _fill(self, document, org: Organization, *, client_id, project_id, lines, **own) -> None:
        set_parties(document, org, client_id, project_id)
        self.fill(document, **own)
        apply_lines(document, self.line_model, lines)
