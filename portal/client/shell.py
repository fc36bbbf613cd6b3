"""The portal shell: URLs that name the organization, the session check before every view, and the sidebar
around every page."""

from __future__ import annotations

from flask import current_app, g, redirect, request, url_for
from werkzeug.local import LocalProxy

from portal.client import bp
from portal.client.devices import VERIFIED_COOKIE, discoverable_orgs, discovered_link, verified_emails
from portal.client.session import load_session, other_sessions, session_entry
from portal.client.visibility import badge_counts
from portal.formatting import logo_url
from portal.reads import read_without_transaction


@bp.url_value_preprocessor
def pull_slug(endpoint, values):
    """Every token-free portal URL names its organization; its session is loaded before the view."""
    if values and "slug" in values:
        g.portal_slug = values.pop("slug")


@bp.url_defaults
def add_slug(endpoint, values):
    """Portal links keep pointing at the current organization."""
    if "portal_slug" in g and endpoint in _slug_endpoints():
        values.setdefault("slug", g.portal_slug)


def _slug_endpoints() -> frozenset:
    """Endpoints whose URL names the organization, computed once per app."""
    app = current_app._get_current_object()
    endpoints = app.extensions.get("portal_slug_endpoints")
    if endpoints is None:
        endpoints = frozenset(rule.endpoint for rule in app.url_map.iter_rules() if "slug" in rule.arguments)
        app.extensions["portal_slug_endpoints"] = endpoints
    return endpoints


@bp.before_request
def require_portal_session():
    """Re-check the session's link on every request: revoked or expired ends it at once."""
    if request.method == "GET":
        read_without_transaction()
    # The thread poll checks the session, the link and the thread in one query of its own.
    if "portal_slug" in g and request.endpoint != "portal.thread":
        if request.method == "GET" and session_entry(g.portal_slug) is None:
            # A link from an email, opened on a device that verified its address: offer that portal's entry.
            if discovered_link(g.portal_slug, verified_emails(request.cookies.get(VERIFIED_COOKIE))) is not None:
                return redirect(url_for("portal.switch", org_slug=g.portal_slug))
        load_session(g.portal_slug)


def _once(name: str, build):
    """Computed on first use and kept on ``g`` for the rest of the request."""
    if name not in g:
        setattr(g, name, build())
    return getattr(g, name)


def _others() -> list:
    return _once("portal_others", lambda: other_sessions(g.portal.org.id))


def _discover() -> list:
    def build() -> list:
        emails = verified_emails(request.cookies.get(VERIFIED_COOKIE))
        return discoverable_orgs(g.portal.org.id, emails, exclude=[other.id for other in _others()])

    return _once("portal_discover", build)


@bp.app_context_processor
def sidebar():
    """The sidebar and badges of a portal page, as lazy values: a block that does not show them queries nothing."""
    if "portal" not in g:
        return {}
    portal = g.portal
    return {
        "portal": portal,
        "org": portal.org,
        # badge_counts keeps its row on g itself, and a view that changes a count drops it first.
        "counts": LocalProxy(lambda: badge_counts(g.portal)),
        "others": LocalProxy(_others),
        "discover": LocalProxy(_discover),
        "org_logo": LocalProxy(lambda: _once("portal_logo", lambda: logo_url(g.portal.org))),
    }
