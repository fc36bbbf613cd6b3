"""The portal shell and its sections."""

from __future__ import annotations

from datetime import date

from flask import current_app, g, redirect, render_template, url_for

from portal.client import bp
from portal.client.access import (
    badge_counts,
    client_ids_query,
    end_session,
    load_session,
    other_sessions,
    visible_projects_query,
)
from portal.extensions import db
from portal.formatting import logo_url
from portal.models import Invoice, Project, Proposal
from portal.models.project import PHASES, phase_index


@bp.url_value_preprocessor
def pull_slug(endpoint, values):
    """Every token-free portal URL names its organization; its session is loaded before the view."""
    if values and "slug" in values:
        g.portal_slug = values.pop("slug")


@bp.url_defaults
def add_slug(endpoint, values):
    """Portal links keep pointing at the current organization."""
    if "portal_slug" in g and current_app.url_map.is_endpoint_expecting(endpoint, "slug"):
        values.setdefault("slug", g.portal_slug)


@bp.before_request
def require_portal_session():
    """Re-check the session's link on every request: revoked or expired ends it at once."""
    if "portal_slug" in g:
        load_session(g.portal_slug)


def _shell(template: str, **context):
    portal = g.portal
    return render_template(
        template,
        portal=portal,
        org=portal.org,
        counts=badge_counts(portal),
        others=other_sessions(portal.org.id),
        org_logo=logo_url(portal.org),
        **context,
    )


def _projects(limit: int = 200) -> list:
    query = (
        visible_projects_query(g.portal.org.id, g.portal.email)
        .with_only_columns(
            Project.id,
            Project.name,
            Project.status,
            Project.held_from,
            Project.hold_reason,
            Project.start_date,
            Project.location,
        )
        .order_by(Project.updated_at.desc())
        .limit(limit)
    )
    return [{"row": row, "phase": phase_index(row.status, row.held_from)} for row in db.session.execute(query).all()]


@bp.get("/portal/<slug>/")
def overview():
    """What the client should look at now."""
    return _shell("client/overview.html", projects=_projects(limit=6), phases=PHASES)


@bp.get("/portal/<slug>/projects")
def projects():
    """The client's projects with their phase."""
    return _shell("client/projects.html", projects=_projects(), phases=PHASES)


@bp.get("/portal/<slug>/proposals")
def proposals():
    """Proposals sent to the client."""
    rows = db.session.execute(
        db.select(
            Proposal.id,
            Proposal.number,
            Proposal.title,
            Proposal.status,
            Proposal.total_minor,
            Proposal.currency,
            Proposal.valid_until,
        )
        .where(
            Proposal.org_id == g.portal.org.id,
            Proposal.client_id.in_(client_ids_query(g.portal.org.id, g.portal.email)),
            Proposal.status != "draft",
        )
        .order_by(Proposal.id.desc())
        .limit(200)
    ).all()
    return _shell("client/proposals.html", proposals=rows, today=date.today())


@bp.get("/portal/<slug>/invoices")
def invoices():
    """Invoices sent to the client."""
    rows = db.session.execute(
        db.select(
            Invoice.id,
            Invoice.number,
            Invoice.status,
            Invoice.total_minor,
            Invoice.currency,
            Invoice.issue_date,
            Invoice.due_date,
        )
        .where(
            Invoice.org_id == g.portal.org.id,
            Invoice.client_id.in_(client_ids_query(g.portal.org.id, g.portal.email)),
            Invoice.status != "draft",
        )
        .order_by(Invoice.id.desc())
        .limit(200)
    ).all()
    return _shell("client/invoices.html", invoices=rows, today=date.today())


@bp.post("/portal/<slug>/leave")
def leave():
    """End this device's session for the organization."""
    end_session(g.portal.org.id)
    return redirect(url_for("portal.left"), code=303)


@bp.get("/portal/left")
def left():
    """Shown after leaving a portal."""
    return render_template("client/left.html")
