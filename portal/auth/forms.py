"""Forms for operator accounts."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length

from portal.services.accounts import MIN_PASSWORD


def strip(value):
    """Trim surrounding white space from submitted text."""
    return value.strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField("Email", filters=[strip], validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class SignupForm(FlaskForm):
    """A new operator and their organization."""

    name = StringField("Your name", filters=[strip], validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email", filters=[strip], validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        "Password",
        validators=[
            DataRequired(),
            Length(min=MIN_PASSWORD, max=200, message=f"Use at least {MIN_PASSWORD} characters."),
        ],
    )
    org_name = StringField("Business name", filters=[strip], validators=[DataRequired(), Length(max=120)])
