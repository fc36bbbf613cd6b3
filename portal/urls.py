"""Absolute URLs (portal links, emails, documents, printed demo links), all from ``PUBLIC_URL``."""

from __future__ import annotations

from flask import current_app, has_request_context, request


def _build(base: str, endpoint: str, values: dict) -> str:
    anchor = values.pop("_anchor", None)
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return base.rstrip("/") + path + (f"#{anchor}" if anchor else "")


def public_url_for(endpoint: str, **values) -> str:
    """An absolute URL under ``PUBLIC_URL``, never from a request's Host header (emails, documents, workers)."""
    return _build(current_app.config["PUBLIC_URL"], endpoint, values)


def shown_url_for(endpoint: str, **values) -> str:
    """An absolute URL shown to the person making the request: under ``PUBLIC_URL``, or in development without one,
    under the address the app was opened on (the demo works on any port)."""
    if current_app.config.get("PUBLIC_URL_FROM_REQUEST") and has_request_context():
        return _build(request.host_url, endpoint, values)
    return public_url_for(endpoint, **values)
