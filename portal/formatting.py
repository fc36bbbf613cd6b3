"""Display helpers for templates: money, dates, sizes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

from babel import numbers
from flask import current_app, g, has_app_context, url_for
from jinja2 import pass_context
from markupsafe import Markup, escape

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF ", "CAD": "CA$", "AUD": "A$"}
CURRENCIES = ("EUR", "USD", "GBP", "CHF", "CAD", "AUD", "SEK", "NOK", "DKK", "PLN", "JPY")
ZERO_DECIMAL = {"JPY"}


# Number formats an organization can choose: how amounts are typed and shown (decimal separator, grouping).
LOCALES = ("en_GB", "en_US", "de_DE", "de_CH", "fr_FR", "nl_NL", "es_ES", "it_IT", "nb_NO", "sv_SE", "da_DK", "pl_PL")
DEFAULT_LOCALE = "en_GB"
_LETTER_THEN_DIGIT = re.compile(r"(?<=[^\W\d])(?=\d)")
# The template filters, by the name templates use; each function below that is one says so with @_filter.
FILTERS: dict[str, Callable] = {}


def _filter(name: str) -> Callable:
    def register(function: Callable) -> Callable:
        FILTERS[name] = function
        return function

    return register


def _constants(module) -> SimpleNamespace:
    return SimpleNamespace(
        **{name: value for name, value in vars(module).items() if name.isupper() and isinstance(value, str)}
    )


def status_globals() -> dict:
    """The models' status constants for templates (``PROJECT.ON_HOLD``), so no template spells a status itself."""
    from portal.models import (
        deliverable,
        file,
        invoice,
        media,
        message,
        notification,
        portal_link,
        project,
        proposal,
        upload,
    )

    modules = {
        "PROJECT": project,
        "DELIVERABLE": deliverable,
        "FILE": file,
        "MESSAGE": message,
        "PROPOSAL": proposal,
        "INVOICE": invoice,
        "UPLOAD": upload,
        "NOTIFICATION": notification,
        "LINK": portal_link,
        "MEDIA": media,
    }
    return {name: _constants(module) for name, module in modules.items()}


def locale_choices() -> list[tuple[str, str]]:
    """The number formats as (code, label), each showing how 1,450.50 reads in it."""
    from babel import Locale

    sample = Decimal("1450.50")
    choices = []
    for code in LOCALES:
        example = numbers.format_decimal(sample, "#,##0.00", locale=code)
        choices.append((code, f"{Locale.parse(code).get_display_name(code)} — {example}"))
    return choices


def current_locale() -> str:
    """The number format of the organization the request works in (dashboard or portal)."""
    if has_app_context():
        org = getattr(g, "org", None)
        portal = getattr(g, "portal", None)
        org = org or (getattr(portal, "org", None) if portal is not None else None)
        if org is not None and getattr(org, "locale", None):
            return org.locale
    return DEFAULT_LOCALE


def money(minor: int | None, currency: str = "EUR", locale: str | None = None) -> str:
    """Format integer minor units as an amount with its currency, in the organization's number format."""
    minor = minor or 0
    value = Decimal(minor) if currency in ZERO_DECIMAL else Decimal(minor) / 100
    text = numbers.format_currency(value, currency, locale=locale or current_locale())
    # CLDR writes some codes flush against the digits ("NOK1,450.50"); a no-break space reads better.
    return _LETTER_THEN_DIGIT.sub("\u00a0", text)


@_filter("money")
@pass_context
def money_filter(context, minor: int | None, currency: str = "EUR") -> str:
    """The ``money`` template filter: the template's organization (emails, PDFs) or the request's sets the format."""
    org = context.get("org")
    return money(minor, currency, getattr(org, "locale", None) if org is not None else None)


@_filter("minor_to_input")
def minor_to_input(minor: int | None, currency: str = "EUR", locale: str | None = None) -> str:
    """Show minor units as the decimal a person types into a price field, with the locale's separator."""
    if minor is None:
        return ""
    if currency in ZERO_DECIMAL:
        return str(minor)
    value = (Decimal(minor) / 100).quantize(Decimal("0.01"))
    return numbers.format_decimal(value, format="0.00", locale=locale or current_locale())


def number_to_input(value: Decimal, locale: str | None = None) -> str:
    """A decimal (quantity, rate) as typed in the locale, without trailing zeros."""
    text = format(value.normalize(), "f")
    return text.replace(".", numbers.get_decimal_symbol(locale or current_locale()))


@_filter("datetime")
def format_datetime(value: datetime | None) -> str:
    """A readable UTC timestamp; the browser rewrites it into the viewer's zone."""
    return value.strftime("%d %b %Y, %H:%M UTC") if value is not None else ""


@_filter("isotime")
def iso_datetime(value: datetime | None) -> str:
    """A machine-readable UTC timestamp for <time datetime>, to the second (HTML allows at most milliseconds)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@_filter("date")
def format_date(value: date | None) -> str:
    """A readable date."""
    return value.strftime("%d %b %Y") if value is not None else ""


@_filter("filesize")
def filesize(size: int | None) -> str:
    """Bytes as B, KB, MB or GB."""
    size = size or 0
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"


def htmx_sources() -> dict:
    """The pinned CDN URL with its SRI hash, and the vendored copy to fall back on."""
    return {
        "use_cdn": current_app.config["HTMX_USE_CDN"],
        "cdn": current_app.config["HTMX_CDN_URL"],
        "sri": current_app.config["HTMX_SRI"],
        "local": url_for("static", filename="js/htmx-2.0.11.min.js"),
    }


def logo_url(org) -> str | None:
    """The public URL of an organization's logo, or None."""
    from portal.services.organizations import logo_name

    name = logo_name(org)
    return url_for("media.logo", org_id=org.id, name=name) if name else None


_URL = re.compile(r"\bhttps?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


@_filter("linkify")
def linkify(text: str | None) -> Markup:
    """Escape a message and make its http(s) links clickable (opened safely in a new tab)."""
    text = text or ""
    parts, position = [], 0
    for match in _URL.finditer(text):
        url = escape(match.group(0))
        parts.append(escape(text[position : match.start()]))
        parts.append(Markup(f'<a href="{url}" rel="nofollow noopener noreferrer" target="_blank">{url}</a>'))
        position = match.end()
    parts.append(escape(text[position:]))
    return Markup("").join(parts)
