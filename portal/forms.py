"""What both sides' forms share: the message text, the map pin form, and a refused operation shown on its field."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.auth.forms import strip
from portal.extensions import db
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
