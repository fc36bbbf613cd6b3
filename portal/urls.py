"""Absolute URLs (portal links, emails, documents, printed demo links), all from ``PUBLIC_URL``."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, request

# A Host header naming this machine can only point a link back at the machine it was made on.
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _build(base: str, endpoint: str, values: dict) -> str:
    anchor = values.pop("_anchor", None)
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return base.rstrip("/") + path + (f"#{anchor}" if anchor else "")


def _served_locally() -> str | None:
    """In development without PUBLIC_URL, the loopback address and port this request reached; else None."""
    if not (current_app.config.get("PUBLIC_URL_FROM_REQUEST") and has_request_context()):
        return None
    return request.host_url if urlsplit(request.host_url).hostname in _LOOPBACK else None


def public_url_for(endpoint: str, **values) -> str:
    """An absolute URL under ``PUBLIC_URL`` (emails, documents, workers); in development without it, an email sent
    while serving 127.0.0.1 or localhost on any port uses that port. Never another host from a request."""
    return _build(_served_locally() or current_app.config["PUBLIC_URL"], endpoint, values)


def shown_url_for(endpoint: str, **values) -> str:
    """An absolute URL shown to the person making the request: under ``PUBLIC_URL``, or in development without one,
    under the address the app was opened on (the demo works on any port)."""
    if current_app.config.get("PUBLIC_URL_FROM_REQUEST") and has_request_context():
        return _build(request.host_url, endpoint, values)
    return public_url_for(endpoint, **values)
