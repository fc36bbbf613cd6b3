"""What both sides' forms share: the message text, the map pin form, a refused operation shown on its field, and
the flow of a form page."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response
from flask_wtf import FlaskForm
from wtforms import Field, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.auth.forms import strip
from portal.extensions import db
from portal.htmx import invalid, render
from portal.models.message import MAX_BODY
from portal.services.errors import ServiceError


def message_body(label: str, noun: str = "message") -> TextAreaField:
    """A required text of a message (or comment) of at most ``MAX_BODY`` characters."""
    return TextAreaField(
        label,
        validators=[
            DataRequired(message=f"Write a {noun} first."),
            Length(max=MAX_BODY, message=f"Keep a {noun} under {MAX_BODY:,} characters."),
        ],
    )


def signer_name(label: str, required: str) -> StringField:
    """The full name typed to accept a proposal."""
    return StringField(label, filters=[strip], validators=[DataRequired(message=required), Length(max=160)])


def decline_reason(label: str, required: str) -> TextAreaField:
    """The reason a proposal is declined."""
    return TextAreaField(
        label,
        filters=[strip],
        validators=[
            DataRequired(message=required),
            Length(max=2000, message="Keep the reason under 2,000 characters."),
        ],
    )


class MapPinForm(FlaskForm):
    """A comment pinned to a spot on the project's map."""

    lat = StringField("Latitude", filters=[strip], validators=[Optional(), Length(max=40)])
    lon = StringField("Longitude", filters=[strip], validators=[Optional(), Length(max=40)])
    body = message_body("Comment", "comment")


def show_refusal(form: FlaskForm, exc: ServiceError, default: Field) -> None:
    """Roll back the refused operation and show its message on the field it names, else on ``default``."""
    db.session.rollback()
    field = getattr(form, exc.field, None) if exc.field else None
    if not isinstance(field, Field):
        field = default
    field.errors = [*field.errors, exc.message]


def form_values(form: FlaskForm, *names: str) -> dict:
    """The submitted values of the named fields, by field name (a service takes them as keywords)."""
    return {name: form[name].data for name in names}


def form_page(
    form: FlaskForm, template: str, block: str, save: Callable[[], Response], default: Field, **context
) -> Response:
    """The form's page; a valid POST answers with ``save()``, invalid input or a refusal shows on the form."""
    if form.validate_on_submit():
        try:
            return save()
        except ServiceError as exc:
            show_refusal(form, exc, default)
    if form.is_submitted():
        db.session.rollback()
        return invalid(template, block, form=form, **context)
    return render(template, form=form, **context)
