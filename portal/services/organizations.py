"""Organization settings: branding, logo and the largest file its people may upload."""

from __future__ import annotations

import io
import re
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from flask import current_app

from portal.extensions import db
from portal.formatting import CURRENCIES, LOCALES
from portal.images import ImageRejected, contrast_with_white, prepare_logo
from portal.models import Organization
from portal.services.activity import Actor, record
from portal.services.errors import ServiceError
from portal.storage import get_storage, new_key

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MIN_CONTRAST = 4.5
GB = 1024**3
MIN_FILE_BYTES = 10 * 1024**2


def file_limit(org: Organization) -> int:
    """The largest file this organization's people may upload: its own setting, within the server's ceiling."""
    return min(org.max_file_bytes, current_app.config["MAX_FILE_BYTES"])


def set_max_file_size(org: Organization, actor: Actor, gigabytes) -> Organization:
    """Change the largest file the organization's people may upload, given in GB (decimals allowed)."""
    ceiling = current_app.config["MAX_FILE_BYTES"]
    try:
        wanted = Decimal(str(gigabytes).strip())
    except (InvalidOperation, ValueError):
        wanted = None
    if wanted is None or not wanted.is_finite():
        raise ServiceError("Enter a size in GB, such as 50 or 2.5.", "max_file_gb")
    if wanted * GB < MIN_FILE_BYTES or wanted * GB > ceiling:
        raise ServiceError(
            f"Choose between 0.01 GB and {ceiling / GB:,.2f} GB (this server's limit).".replace(".00 GB", " GB"),
            "max_file_gb",
        )
    org.max_file_bytes = int(wanted * GB)
    record(
        actor,
        "org.file_limit_updated",
        f"{actor.label} set the largest file to {wanted.normalize():f} GB",
        org_id=org.id,
    )
    db.session.commit()
    return org


def update_branding(
    org: Organization,
    actor: Actor,
    *,
    name: str,
    website: str | None,
    contact_email: str | None,
    accent_color: str,
    currency: str,
    locale: str | None = None,
) -> Organization:
    """Change what clients see of the organization."""
    website = (website or "").strip() or None
    if website and not website.lower().startswith(("https://", "http://")):
        raise ServiceError("The website must start with https://.", "website")
    if not HEX_COLOUR.match(accent_color or ""):
        raise ServiceError("Choose a colour like #1d4ed8.", "accent_color")
    if contrast_with_white(accent_color) < MIN_CONTRAST:
        raise ServiceError(
            "That colour is too light: white text on it would be hard to read. Pick a darker shade.", "accent_color"
        )
    if currency not in CURRENCIES:
        raise ServiceError("Choose a currency from the list.", "currency")
    org.name = name.strip()
    org.website = website
    org.contact_email = (contact_email or "").strip().lower() or None
    org.accent_color = accent_color.lower()
    if locale is not None and locale not in LOCALES:
        raise ServiceError("Choose a number format from the list.", "locale")
    org.currency = currency
    if locale is not None:
        org.locale = locale
    record(actor, "org.branding_updated", f"{actor.label} updated the branding", org_id=org.id)
    db.session.commit()
    return org


MAX_ADDRESS = 500
MAX_PAYMENT_INSTRUCTIONS = 2000


def update_business_details(
    org: Organization,
    actor: Actor,
    *,
    business_address: str | None,
    tax_id: str | None,
    payment_instructions: str | None,
) -> Organization:
    """Change the address, tax number and payment instructions printed on invoices and proposals."""
    business_address = _multiline(business_address)
    payment_instructions = _multiline(payment_instructions)
    tax_id = (tax_id or "").strip() or None
    if business_address and len(business_address) > MAX_ADDRESS:
        raise ServiceError(f"Keep the address under {MAX_ADDRESS} characters.", "business_address")
    if tax_id and len(tax_id) > 64:
        raise ServiceError("Keep the tax number under 64 characters.", "tax_id")
    if payment_instructions and len(payment_instructions) > MAX_PAYMENT_INSTRUCTIONS:
        raise ServiceError(
            f"Keep the payment instructions under {MAX_PAYMENT_INSTRUCTIONS:,} characters.", "payment_instructions"
        )
    org.business_address = business_address
    org.tax_id = tax_id
    org.payment_instructions = payment_instructions
    record(actor, "org.business_details_updated", f"{actor.label} updated the business details", org_id=org.id)
    db.session.commit()
    return org


def _multiline(value: str | None) -> str | None:
    """Trimmed lines without trailing spaces or Windows line ends; None when empty."""
    lines = [line.rstrip() for line in (value or "").replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip() or None


def set_logo(org: Organization, actor: Actor, stream: BinaryIO, max_bytes: int) -> Organization:
    """Store a checked, resized logo and delete the previous one."""
    try:
        png = prepare_logo(stream, max_bytes)
    except ImageRejected as exc:
        raise ServiceError(str(exc), "logo") from exc
    storage = get_storage()
    saved = storage.save(io.BytesIO(png), new_key(f"org/{org.id}/logo", "png"), "image/png")
    previous = org.logo_key
    org.logo_key = saved.key
    record(actor, "org.logo_updated", f"{actor.label} uploaded a new logo", org_id=org.id)
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        storage.delete(saved.key)
        raise
    if previous:
        storage.delete(previous)
    return org


def remove_logo(org: Organization, actor: Actor) -> Organization:
    """Remove the logo."""
    previous = org.logo_key
    org.logo_key = None
    record(actor, "org.logo_removed", f"{actor.label} removed the logo", org_id=org.id)
    db.session.commit()
    if previous:
        get_storage().delete(previous)
    return org


def logo_name(org: Organization) -> str | None:
    """The public file name of the organization's current logo."""
    return org.logo_key.rsplit("/", 1)[-1] if org.logo_key else None
