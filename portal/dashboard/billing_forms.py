"""Forms for proposals and invoices with a variable number of line items."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import DateField, FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.auth.forms import strip
from portal.dashboard.project_forms import choice_id
from portal.formatting import minor_to_input, number_to_input
from portal.forms import decline_reason, signer_name
from portal.services.billing import MAX_LINES, LineError, LineInput, parse_money, parse_quantity, parse_tax_rate

BLANK_ROWS = 2


class LineForm(Form):
    """One line: description, quantity, unit price and tax rate, as typed."""

    description = StringField("Description", filters=[strip], validators=[Optional(), Length(max=300)])
    quantity = StringField("Quantity", filters=[strip])
    unit_price = StringField("Unit price", filters=[strip])
    tax_rate = StringField("Tax %", filters=[strip])

    def is_blank(self) -> bool:
        """A row left empty is ignored."""
        return not (self.description.data or self.quantity.data or self.unit_price.data)


class LinesForm(FlaskForm):
    """Shared by proposals and invoices: the client, the project and the lines."""

    client_id = SelectField("Client", coerce=choice_id, validators=[DataRequired(message="Choose a client.")])
    # The service checks that the project is the client's, with a message that says so.
    project_id = SelectField("Project (optional)", coerce=int, validators=[Optional()], validate_choice=False)
    lines = FieldList(FormField(LineForm), min_entries=3, max_entries=MAX_LINES)
    # The document's own fields, which the create and update services take by the same names.
    document_fields: tuple[str, ...] = ()

    def service_fields(self, lines: list[LineInput]) -> dict:
        """What the create and update services take: the parties, the document's own fields and the parsed lines."""
        own = {name: self[name].data for name in self.document_fields}
        return {"client_id": self.client_id.data, "project_id": self.project_id.data or None, **own, "lines": lines}

    def parsed_lines(self, currency: str, locale: str | None = None) -> list[LineInput] | None:
        """Parse the non-blank rows; on any error, mark the field and return None."""
        parsed, ok = [], True
        for entry in self.lines:
            row = entry.form
            if row.is_blank():
                continue
            if not row.description.data:
                row.description.errors = [*row.description.errors, "Describe the line."]
                ok = False
            try:
                parsed.append(
                    LineInput(
                        row.description.data or "",
                        parse_quantity(row.quantity.data, locale),
                        parse_money(row.unit_price.data, currency, locale),
                        parse_tax_rate(row.tax_rate.data, locale),
                    )
                )
            except LineError as exc:
                getattr(row, exc.field).errors = [*getattr(row, exc.field).errors, exc.message]
                ok = False
        if ok and not parsed:
            self.lines.errors = ["Add at least one line with a description, quantity and price."]
            ok = False
        return parsed if ok else None

    def load_lines(self, lines, currency: str, locale: str | None = None) -> None:
        """Fill the rows from stored lines, plus blank rows to add more."""
        while len(self.lines.entries):
            self.lines.pop_entry()
        for line in lines:
            self.lines.append_entry(
                {
                    "description": line.description,
                    "quantity": number_to_input(line.quantity, locale),
                    "unit_price": minor_to_input(line.unit_price_minor, currency, locale),
                    "tax_rate": number_to_input(Decimal(line.tax_rate_bp) / 100, locale) if line.tax_rate_bp else "",
                }
            )
        for _ in range(BLANK_ROWS):
            self.lines.append_entry()


class ProposalForm(LinesForm):
    """A proposal."""

    document_fields = ("title", "intro", "terms", "valid_until")
    title = StringField("Title", filters=[strip], validators=[DataRequired(), Length(max=160)])
    intro = TextAreaField("Introduction", filters=[strip], validators=[Optional(), Length(max=10000)])
    terms = TextAreaField("Terms", filters=[strip], validators=[Optional(), Length(max=10000)])
    valid_until = DateField("Valid until", validators=[Optional()])


class InvoiceForm(LinesForm):
    """An invoice."""

    document_fields = ("issue_date", "due_date", "notes", "payment_url")
    issue_date = DateField("Issue date", validators=[DataRequired(message="Enter the issue date.")])
    due_date = DateField("Due date", validators=[Optional()])
    payment_url = StringField("Payment link", filters=[strip], validators=[Optional(), Length(max=500)])
    notes = TextAreaField("Notes", filters=[strip], validators=[Optional(), Length(max=10000)])


class AcceptForm(FlaskForm):
    """Accepting a proposal on the client's behalf."""

    name = signer_name("Full name of the person accepting", "Type the full name.")


class DeclineForm(FlaskForm):
    """Declining a proposal."""

    reason = decline_reason("Reason", "Give a reason.")


def fill_choices(
    form: LinesForm, org_id: int, keep_client: int | None = None, keep_project: int | None = None
) -> LinesForm:
    """Offer the organization's clients, and the chosen client's projects (every client's, grouped, before one is);
    archived ones only where the document already names them."""
    from portal.extensions import db
    from portal.models import Client, Project

    clients = db.session.execute(
        db.select(Client.id, Client.name, Client.company)
        .where(Client.org_id == org_id, db.or_(Client.archived_at.is_(None), Client.id == keep_client))
        .order_by(Client.name)
    ).all()
    labels = {c.id: f"{c.name} ({c.company})" if c.company else c.name for c in clients}
    form.client_id.choices = [("", "Choose a client…")] + list(labels.items())
    chosen = form.client_id.data if form.client_id.data in labels else None
    query = db.select(Project.id, Project.name, Project.client_id).where(
        Project.org_id == org_id, db.or_(Project.archived_at.is_(None), Project.id == keep_project)
    )
    if chosen:
        query = query.where(Project.client_id == chosen)
    projects = db.session.execute(query.order_by(Project.name)).all()
    if chosen:
        form.project_id.choices = [(0, "None")] + [(p.id, p.name) for p in projects]
        return form
    groups: dict[str, list] = {"No project": [(0, "None")]}
    for client_id, label in labels.items():
        own = [(p.id, p.name) for p in projects if p.client_id == client_id]
        if own:
            groups[label] = own
    form.project_id.choices = groups
    return form
