"""Forms for operator accounts."""
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length

from portal.services.accounts import MIN_PASSWORD


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class SignupForm(FlaskForm):
    """A new operator and their organization."""

    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)]
    )
    org_name = StringField("Business name", validators=[DataRequired(), Length(max=120)])
