"""Forms of the client portal."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, MultipleFileField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.auth.forms import strip
from portal.forms import decline_reason, message_body, signer_name
from portal.services.decisions import MAX_REASON


class MessageForm(FlaskForm):
    """A message or comment from the client."""

    body = message_body("Your message")


class DecisionForm(FlaskForm):
    """Approve, request a revision, or reject a deliverable at the version shown."""

    decision = HiddenField("Decision", validators=[DataRequired()])
    name = StringField("Your name", filters=[strip], validators=[Optional(), Length(max=120)])
    version = IntegerField("Version", validators=[Optional()])
    reason = TextAreaField(
        "Reason",
        filters=[strip],
        validators=[Optional(), Length(max=MAX_REASON, message=f"Keep the reason under {MAX_REASON:,} characters.")],
    )


class UploadForm(FlaskForm):
    """Files the client sends to the operator."""

    files = MultipleFileField("Files")


class AcceptProposalForm(FlaskForm):
    """Accepting a proposal by typing one's full name."""

    name = signer_name("Type your full name to accept", "Type your full name to accept.")


class DeclineProposalForm(FlaskForm):
    """Declining a proposal with a reason."""

    reason = decline_reason("Why are you declining?", "Give a reason, so we can do better.")
