"""Forms for projects and deliverables."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.auth.forms import strip
from portal.logs import one_line
from portal.models.deliverable import STATUS_LABELS as DELIVERABLE_STATUS_LABELS
from portal.models.deliverable import TYPE_LABELS, TYPES
from portal.models.project import PROJECT_TYPES


def single_line(value):
    """Fold a name typed (or forged) with line breaks or control characters into one line."""
    return one_line(value) if isinstance(value, str) else value


def choice_id(value) -> int:
    """An id from a select whose placeholder option is empty (HTML wants an empty first option when required)."""
    return int(value) if value not in ("", None) else 0


class ProjectForm(FlaskForm):
    """A project's details; the client choices are the current organization's clients."""

    client_id = SelectField("Client", coerce=choice_id, validators=[DataRequired(message="Choose a client.")])
    name = StringField("Project name", filters=[strip, single_line], validators=[DataRequired(), Length(max=160)])
    type = SelectField("Type", choices=[("", "—")] + [(t, t) for t in PROJECT_TYPES], validators=[Optional()])
    start_date = DateField("Start date", validators=[Optional()])
    end_date = DateField("End date", validators=[Optional()])
    location = StringField("Location", filters=[strip], validators=[Optional(), Length(max=200)])
    description = TextAreaField("Description", filters=[strip], validators=[Optional(), Length(max=5000)])


class StatusForm(FlaskForm):
    """Move a project to another status."""

    status = HiddenField("Status", validators=[DataRequired()])
    hold_reason = TextAreaField(
        "Reason for the hold (the client sees it)", filters=[strip], validators=[Optional(), Length(max=2000)]
    )


class DeliverableForm(FlaskForm):
    """A new deliverable."""

    title = StringField("Title", filters=[strip, single_line], validators=[DataRequired(), Length(max=160)])
    type = SelectField("Type", choices=[(t, TYPE_LABELS[t]) for t in TYPES])
    format = StringField("Format", filters=[strip], validators=[Optional(), Length(max=60)])
    status = SelectField("Status", choices=list(DELIVERABLE_STATUS_LABELS.items()))
    client_visible = BooleanField("Visible to the client")


class DeliverableEditForm(FlaskForm):
    """Changes to a deliverable; a higher version reopens the client's review."""

    title = StringField("Title", filters=[strip, single_line], validators=[DataRequired(), Length(max=160)])
    type = SelectField("Type", choices=[(t, TYPE_LABELS[t]) for t in TYPES])
    format = StringField("Format", filters=[strip], validators=[Optional(), Length(max=60)])
    status = SelectField("Status", choices=list(DELIVERABLE_STATUS_LABELS.items()))
    version = IntegerField("Version", validators=[DataRequired(), NumberRange(min=1, max=999)])


class SitePositionForm(FlaskForm):
    """The site's position on the map, typed (or filled by a click on the map); both empty removes it."""

    lat = StringField("Latitude", filters=[strip], validators=[Optional(), Length(max=40)])
    lon = StringField("Longitude", filters=[strip], validators=[Optional(), Length(max=40)])
