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


def _new_password(label: str = "Password") -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired(),
            Length(min=MIN_PASSWORD, max=200, message=f"Use at least {MIN_PASSWORD} characters."),
        ],
    )


class EmailForm(FlaskForm):
    """An email address (forgotten password)."""

    email = EmailField("Email", filters=[strip], validators=[DataRequired(), Email(), Length(max=254)])


class NewPasswordForm(FlaskForm):
    """A new password (reset link)."""

    password = _new_password("New password")


class PasswordOnlyForm(FlaskForm):
    """The password of the invited account, to accept an invitation."""

    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class JoinForm(FlaskForm):
    """A new account for an invited address."""

    name = StringField("Your name", filters=[strip], validators=[DataRequired(), Length(max=120)])
    password = _new_password()
