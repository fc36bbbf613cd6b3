"""Display helpers for templates: money, dates, sizes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

from flask import current_app, url_for
from markupsafe import Markup, escape

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF ", "CAD": "CA$", "AUD": "A$"}
CURRENCIES = ("EUR", "USD", "GBP", "CHF", "CAD", "AUD", "SEK", "NOK", "DKK", "PLN", "JPY")
ZERO_DECIMAL = {"JPY"}


def money(minor: int | None, currency: str = "EUR") -> str:
    """Format integer minor units as an amount with its currency."""
    minor = minor or 0
    if currency in ZERO_DECIMAL:
        text = f"{minor:,}"
    else:
        sign = "-" if minor < 0 else ""
        whole, cents = divmod(abs(minor), 100)
        text = f"{sign}{whole:,}.{cents:02d}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def minor_to_input(minor: int | None, currency: str = "EUR") -> str:
    """Show minor units as the decimal a person types into a price field."""
    if minor is None:
        return ""
    if currency in ZERO_DECIMAL:
        return str(minor)
    return str((Decimal(minor) / 100).quantize(Decimal("0.01")))


def format_datetime(value: datetime | None) -> str:
    """A readable UTC timestamp; the browser rewrites it into the viewer's zone."""
    if value is None:
        return ""
    return value.strftime("%d %b %Y, %H:%M UTC")


def iso_datetime(value: datetime | None) -> str:
    """A machine-readable UTC timestamp for <time datetime>, to the second (HTML allows at most milliseconds)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_date(value: date | None) -> str:
    """A readable date."""
    if value is None:
        return ""
    return value.strftime("%d %b %Y")


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
