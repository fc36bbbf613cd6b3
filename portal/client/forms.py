"""Forms of the client portal."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, MultipleFileField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.auth.forms import strip
from portal.forms import message_body
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

    name = StringField(
        "Type your full name to accept",
        filters=[strip],
        validators=[DataRequired(message="Type your full name to accept."), Length(max=160)],
    )


class DeclineProposalForm(FlaskForm):
    """Declining a proposal with a reason."""

    reason = TextAreaField(
        "Why are you declining?",
        filters=[strip],
        validators=[
            DataRequired(message="Give a reason, so we can do better."),
            Length(max=2000, message="Keep the reason under 2,000 characters."),
        ],
    )
