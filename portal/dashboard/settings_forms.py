"""Forms for organization settings and members."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from portal.auth.forms import strip
from portal.formatting import CURRENCIES
from portal.models.user import ROLE_MEMBER, ROLE_OWNER


class BrandingForm(FlaskForm):
    """What clients see of the organization."""

    name = StringField("Display name", filters=[strip], validators=[DataRequired(), Length(max=120)])
    website = StringField("Website", filters=[strip], validators=[Optional(), Length(max=255)])
    contact_email = EmailField("Contact email", filters=[strip], validators=[Optional(), Email(), Length(max=254)])
    accent_color = StringField("Accent colour", filters=[strip], validators=[DataRequired(), Length(max=7)])
    currency = SelectField("Currency", choices=[(c, c) for c in CURRENCIES])


class LogoForm(FlaskForm):
    """A logo upload."""

    logo = FileField("Logo")


class MemberForm(FlaskForm):
    """Add an operator to the organization."""

    email = EmailField("Email", filters=[strip], validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField("Name", id="member-name", filters=[strip], validators=[Optional(), Length(max=120)])
    role = SelectField("Role", choices=[(ROLE_MEMBER, "Member"), (ROLE_OWNER, "Owner")])
    password = PasswordField("Starting password (new accounts only)", validators=[Optional(), Length(max=200)])


class OrganizationForm(FlaskForm):
    """Another organization owned by the current operator."""

    org_name = StringField("Organization name", filters=[strip], validators=[DataRequired(), Length(max=120)])
