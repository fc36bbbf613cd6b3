"""Forms for portal links."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, RadioField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from portal.auth.forms import strip


class LinkForm(FlaskForm):
    """A new portal link."""

    email = EmailField("Client email", filters=[strip], validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField("Name (optional)", filters=[strip], validators=[Optional(), Length(max=120)])
    code_mode = RadioField(
        "Access code",
        choices=[("none", "No code"), ("generate", "Generate a 6-digit code"), ("typed", "Use this code:")],
        default="generate",
    )
    access_code = StringField("6-digit code", filters=[strip], validators=[Optional(), Length(max=6)])
    expires_in_days = IntegerField(
        "Expires after (days, optional)", validators=[Optional(), NumberRange(min=1, max=3650)]
    )
    notify_email = BooleanField("Email the client about news", default=True)
    allow_uploads = BooleanField("Let the client upload files")
    require_email_verification = BooleanField("Ask for a code sent to this email before opening the portal")
    send_invitation = BooleanField("Email this link to the client now", default=True)


class RotateCodeForm(FlaskForm):
    """A new access code, typed or generated."""

    access_code = StringField("New code (empty: generate one)", filters=[strip], validators=[Optional(), Length(max=6)])
