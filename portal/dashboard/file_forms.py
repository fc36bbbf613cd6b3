"""Forms for project files and messages."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, MultipleFileField, SelectField

from portal.forms import message_body


class UploadForm(FlaskForm):
    """One or more files for a project."""

    files = MultipleFileField("Files")
    deliverable_id = SelectField("Attach to deliverable", coerce=int, validate_choice=False)
    client_visible = BooleanField("Visible to the client")


class AttachForm(FlaskForm):
    """Attach a file to a deliverable (0 detaches)."""

    deliverable_id = SelectField("Deliverable", coerce=int, validate_choice=False)


class MessageForm(FlaskForm):
    """A message in the project thread."""

    body = message_body("Message")
