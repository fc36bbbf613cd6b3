"""Forms for organization settings and members."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from portal.auth.forms import strip
from portal.formatting import CURRENCIES, locale_choices
from portal.models.user import ROLE_MEMBER, ROLE_OWNER
from portal.services.accounts import MIN_PASSWORD


class BrandingForm(FlaskForm):
    """What clients see of the organization."""

    name = StringField("Display name", filters=[strip], validators=[DataRequired(), Length(max=120)])
    website = StringField("Website", filters=[strip], validators=[Optional(), Length(max=255)])
    contact_email = EmailField("Contact email", filters=[strip], validators=[Optional(), Email(), Length(max=254)])
    accent_color = StringField("Accent colour", filters=[strip], validators=[DataRequired(), Length(max=7)])
    currency = SelectField("Currency", choices=[(c, c) for c in CURRENCIES])
    # Checked by the service; an older form without it leaves the format unchanged.
    locale = SelectField("Number format", choices=locale_choices, validate_choice=False)


class BusinessDetailsForm(FlaskForm):
    """What invoices and proposals print about the business."""

    business_address = TextAreaField("Business address", validators=[Optional(), Length(max=500)])
    tax_id = StringField("Tax or VAT number", filters=[strip], validators=[Optional(), Length(max=64)])
    payment_instructions = TextAreaField("Payment instructions", validators=[Optional(), Length(max=2000)])


class FilesForm(FlaskForm):
    """The largest file the organization's people may upload."""

    # Text, not a number field: the service reads it and says what is wrong in words the owner can act on.
    max_file_gb = StringField(
        "Largest file (GB)",
        filters=[strip],
        validators=[InputRequired("Enter a size in GB, such as 50 or 2.5."), Length(max=20)],
    )


class LogoForm(FlaskForm):
    """A logo upload."""

    logo = FileField("Logo")


ROLE_CHOICES = [(ROLE_MEMBER, "Member"), (ROLE_OWNER, "Owner")]


class MemberForm(FlaskForm):
    """Invite someone to the organization by email."""

    email = EmailField("Email", filters=[strip], validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES)


class RoleForm(FlaskForm):
    """Another role for a member."""

    role = SelectField("Role", choices=ROLE_CHOICES)


class PasswordChangeForm(FlaskForm):
    """The operator's own password."""

    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField(
        "New password",
        validators=[
            DataRequired(),
            Length(min=MIN_PASSWORD, max=200, message=f"Use at least {MIN_PASSWORD} characters."),
        ],
    )


class OrganizationForm(FlaskForm):
    """Another organization owned by the current operator."""

    org_name = StringField("Organization name", filters=[strip], validators=[DataRequired(), Length(max=120)])
