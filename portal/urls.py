"""Absolute URLs (portal links, emails, documents, printed demo links), all from one base."""

from __future__ import annotations

from flask import current_app, has_request_context, request


def public_base() -> str:
    """``PUBLIC_URL``; in development without one, the current request's own scheme and host."""
    config = current_app.config
    if config.get("PUBLIC_URL_FROM_REQUEST") and has_request_context():
        return request.host_url.rstrip("/")
    return config["PUBLIC_URL"].rstrip("/")


def public_url_for(endpoint: str, **values) -> str:
    """An absolute URL for an endpoint under the public base, also outside a request (workers have none)."""
    anchor = values.pop("_anchor", None)
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return public_base() + path + (f"#{anchor}" if anchor else "")
