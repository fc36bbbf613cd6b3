"""Forms of the operator dashboard."""

from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from portal.auth.forms import strip


class ClientForm(FlaskForm):
    """A client's contact details."""

    name = StringField("Name", filters=[strip], validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email", filters=[strip], validators=[DataRequired(), Email(), Length(max=254)])
    company = StringField("Company", validators=[Optional(), Length(max=160)])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
