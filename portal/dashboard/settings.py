"""Dashboard: organization settings, branding, logo, and another organization."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from flask import Response, current_app, g, request, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from portal.dashboard import bp
from portal.dashboard.guard import current_actor
from portal.dashboard.loaders import require_owner
from portal.dashboard.settings_forms import (
    ROLE_CHOICES,
    BrandingForm,
    BusinessDetailsForm,
    FilesForm,
    LogoForm,
    MemberForm,
    OrganizationForm,
    PasswordChangeForm,
)
from portal.extensions import db
from portal.forms import form_values, show_refusal
from portal.htmx import done, invalid, render
from portal.models import Membership, User
from portal.services import accounts, bundles, invitations
from portal.services import organizations as org_service
from portal.services.errors import ServiceError

PAGE = "dashboard/settings/index.html"


def _context(**overrides) -> dict:
    members = db.session.execute(
        db.select(Membership.id, Membership.role, Membership.user_id, User.name, User.email)
        .join(User, User.id == Membership.user_id)
        .where(Membership.org_id == g.org.id)
        .order_by(User.name)
    ).all()
    context = {
        "org": g.org,
        "is_owner": g.membership.is_owner,
        "members": members,
        "branding_form": BrandingForm(formdata=None, obj=g.org),
        "logo_form": LogoForm(formdata=None),
        "business_form": BusinessDetailsForm(formdata=None, obj=g.org),
        "member_form": MemberForm(formdata=None),
        "invitations": invitations.pending(g.org.id) if g.membership.is_owner else [],
        "role_choices": ROLE_CHOICES,
        "password_form": PasswordChangeForm(formdata=None),
        "org_form": OrganizationForm(formdata=None),
        "files_form": FilesForm(formdata=None, data={"max_file_gb": _gigabytes(g.org.max_file_bytes)}),
        "file_ceiling": current_app.config["MAX_FILE_BYTES"],
        "storage_used": bundles.storage_used(g.org.id),
    }
    context.update(overrides)
    return context


def _gigabytes(size: int) -> str:
    return f"{(Decimal(size) / org_service.GB).quantize(Decimal('0.01')).normalize():f}"


def _back(anchor: str) -> str:
    return url_for("dashboard.settings", _anchor=anchor)


def _save_owner_form(
    form: FlaskForm, block: str, message: str, save: Callable[[FlaskForm], object], refused_field: str
) -> Response:
    """An owner's settings form saved through ``save``: the block (or a redirect) when done, else with its errors
    (a refusal on the field it names, else on ``refused_field``)."""
    if form.validate_on_submit():
        try:
            save(form)
        except ServiceError as exc:
            show_refusal(form, exc, form[refused_field])
        else:
            return done(_back(block), message, template=PAGE, block=block, **_context())
    db.session.rollback()
    return invalid(PAGE, block, **_context(**{f"{block}_form": form}))


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    """Show the settings; owners change the branding."""
    if request.method == "GET":
        return render(PAGE, **_context())
    require_owner()
    return _save_owner_form(
        BrandingForm(),
        "branding",
        "Branding saved.",
        lambda form: org_service.update_branding(
            g.org,
            current_actor(),
            **form_values(form, "name", "website", "contact_email", "accent_color", "currency", "locale"),
        ),
        "name",
    )


@bp.post("/settings/business")
def settings_business():
    """Owners change the business details printed on invoices and proposals."""
    require_owner()
    return _save_owner_form(
        BusinessDetailsForm(),
        "business",
        "Business details saved.",
        lambda form: org_service.update_business_details(
            g.org, current_actor(), **form_values(form, "business_address", "tax_id", "payment_instructions")
        ),
        "business_address",
    )


@bp.post("/settings/files")
def settings_files():
    """Owners change the largest file their people may upload."""
    require_owner()
    return _save_owner_form(
        FilesForm(),
        "files",
        "File size limit saved.",
        lambda form: org_service.set_max_file_size(g.org, current_actor(), form.max_file_gb.data),
        "max_file_gb",
    )


@bp.post("/settings/logo")
def settings_logo():
    """Upload a new logo (checked, resized, re-encoded as PNG)."""
    require_owner()
    form = LogoForm()
    if form.validate_on_submit():
        upload = request.files.get("logo")
        try:
            if upload is None or not upload.filename:
                raise ServiceError("Choose an image file.", "logo")
            org_service.set_logo(g.org, current_actor(), upload.stream, current_app.config["MAX_LOGO_BYTES"])
        except ServiceError as exc:
            show_refusal(form, exc, form.logo)
        else:
            return done(_back("logo"), "Logo updated.", template=PAGE, block="logo", **_context())
    return invalid(PAGE, "logo", **_context(logo_form=form))


@bp.post("/settings/logo/remove")
def settings_logo_remove():
    """Remove the logo."""
    require_owner()
    org_service.remove_logo(g.org, current_actor())
    return done(_back("logo"), "Logo removed.", template=PAGE, block="logo", **_context())


@bp.post("/settings/organizations")
def settings_organizations_new():
    """Create another organization owned by the current operator and switch to it."""
    form = OrganizationForm()
    if form.validate_on_submit():
        org = accounts.create_organization(current_user, form.org_name.data)
        session["org_id"] = org.id
        return done(url_for("dashboard.settings"), f"{org.name} created; you are now working in it.")
    return invalid(PAGE, "organizations", **_context(org_form=form))
