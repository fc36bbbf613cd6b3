"""The form flow shared by proposals and invoices: add a line, save, or show the errors."""

from __future__ import annotations

from collections.abc import Callable

from flask import g, request

from portal.dashboard.billing_forms import LinesForm
from portal.dashboard.guard import current_actor
from portal.extensions import db
from portal.htmx import invalid, render
from portal.services.errors import ServiceError


def submit_document(
    form: LinesForm,
    template: str,
    context: dict,
    fields: Callable[[LinesForm, list], dict],
    create: Callable,
    update: Callable,
    document,
    on_saved: Callable,
):
    """Handle a submitted document form; returns the response to send."""
    if "add_line" in request.form:
        form.lines.append_entry()
        return render(template, "document_form", **context)
    if "refresh_projects" in request.form:
        return render(template, "document_form", **context)
    lines = form.parsed_lines(g.org.currency, g.org.locale) if form.validate_on_submit() else None
    if lines is not None:
        try:
            if document is None:
                saved = create(g.org, current_actor(), **fields(form, lines))
            else:
                saved = update(document, g.org, current_actor(), **fields(form, lines))
        except ServiceError as exc:
            field = getattr(form, exc.field, form.lines)
            field.errors = [*field.errors, exc.message]
        else:
            return on_saved(saved)
    db.session.rollback()
    return invalid(template, "document_form", **context)
