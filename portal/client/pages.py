"""The portal shell and its sections."""

from __future__ import annotations

from datetime import date
from functools import cache

from flask import current_app, g, redirect, render_template, request, url_for
from sqlalchemy import bindparam

from portal.client import bp
from portal.client.access import (
    badge_counts,
    client_ids_query,
    leave_session,
    load_session,
    other_sessions,
    session_entry,
    visibility,
    visible_ids_statement,
)
from portal.client.devices import VERIFIED_COOKIE, discoverable_orgs, discovered_link, verified_emails
from portal.extensions import db
from portal.formatting import logo_url
from portal.htmx import render
from portal.models import Activity, Client, Deliverable, Invoice, Message, MessageRead, Project, Proposal
from portal.models.project import PHASES, phase_index
from portal.reads import read_without_transaction
from portal.services.messages import client_visible_message


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


def shell(template: str, block: str | None = None, *, oob=(), status_code: int = 200, **context):
    """Render a portal page (or one of its blocks for htmx) with the sidebar's data."""
    portal = g.portal
    others = other_sessions(portal.org.id)
    discover = discoverable_orgs(
        portal.org.id, verified_emails(request.cookies.get(VERIFIED_COOKIE)), exclude=[o.id for o in others]
    )
    return render(
        template,
        block,
        oob=oob,
        status_code=status_code,
        portal=portal,
        org=portal.org,
        counts=badge_counts(portal),
        others=others,
        discover=discover,
        org_logo=logo_url(portal.org),
        **context,
    )


@cache
def _projects_statement():
    return (
        db.select(
            Project.id,
            Project.name,
            Project.status,
            Project.held_from,
            Project.hold_reason,
            Project.start_date,
            Project.location,
        )
        # The organization too, so the planner reads its projects by index, not every project there is.
        .where(Project.org_id == bindparam("v_org"), Project.id.in_(visible_ids_statement()))
        .order_by(Project.updated_at.desc())
        .limit(bindparam("limit"))
    )


def _projects(limit: int = 200) -> list:
    rows = db.session.execute(_projects_statement(), {**visibility(g.portal), "limit": limit}).all()
    return [{"row": row, "phase": phase_index(row.status, row.held_from)} for row in rows]


CLIENT_FACING_VERBS = (
    "project.status_changed",
    "deliverable.decided",
    "deliverable.new_version",
    "proposal.sent",
    "proposal.accepted",
    "proposal.declined",
    "invoice.sent",
    "invoice.paid",
)


@cache
def _overview_statements() -> dict:
    """The overview's lists, built once with the bind parameters of visibility()."""
    org_id, email, today = bindparam("v_org"), bindparam("v_email"), bindparam("v_today")
    visible = visible_ids_statement()
    clients = db.select(Client.id).where(Client.org_id == org_id, Client.email == email)
    read_up_to = (
        db.select(MessageRead.last_read_message_id)
        .where(MessageRead.project_id == Project.id, MessageRead.reader_email == email)
        .correlate(Project)
        .scalar_subquery()
    )
    return {
        "review": db.select(
            Deliverable.id,
            Deliverable.title,
            Deliverable.version,
            Deliverable.project_id,
            Project.name.label("project_name"),
        )
        .join(Project, db.and_(Project.id == Deliverable.project_id, Project.org_id == org_id))
        .where(
            Deliverable.project_id.in_(visible),
            Deliverable.client_visible.is_(True),
            Deliverable.archived_at.is_(None),
            Deliverable.approval_status == "pending",
            Deliverable.status == "ready",
        )
        .order_by(Deliverable.updated_at.desc())
        .limit(20),
        "unread": db.select(Project.id, Project.name, db.func.count(Message.id).label("unread"))
        .join(Message, Message.project_id == Project.id)
        .where(
            Project.org_id == org_id,
            Project.id.in_(visible),
            Message.sender_type == "operator",
            Message.id > db.func.coalesce(read_up_to, 0),
            client_visible_message(),
        )
        .group_by(Project.id, Project.name)
        .order_by(Project.name)
        .limit(20),
        "open_proposals": db.select(
            Proposal.id, Proposal.number, Proposal.title, Proposal.total_minor, Proposal.currency, Proposal.valid_until
        )
        .where(
            Proposal.org_id == org_id,
            Proposal.client_id.in_(clients),
            Proposal.status == "sent",
            Proposal.archived_at.is_(None),
            db.or_(Proposal.valid_until.is_(None), Proposal.valid_until >= today),
        )
        .order_by(Proposal.id.desc())
        .limit(20),
        "unpaid": db.select(Invoice.id, Invoice.number, Invoice.total_minor, Invoice.currency, Invoice.due_date)
        .where(Invoice.org_id == org_id, Invoice.client_id.in_(clients), Invoice.status == "sent")
        .order_by(Invoice.due_date)
        .limit(20),
        "activity": db.select(Activity.summary, Activity.at)
        .where(Activity.org_id == org_id, Activity.project_id.in_(visible), Activity.verb.in_(CLIENT_FACING_VERBS))
        .order_by(Activity.at.desc(), Activity.id.desc())
        .limit(10),
    }


@bp.get("/portal/<slug>/")
def overview():
    """What needs the client now, their projects and recent activity."""
    params = visibility(g.portal)
    lists = {name: db.session.execute(statement, params).all() for name, statement in _overview_statements().items()}
    return shell(
        "client/overview.html",
        projects=_projects(limit=6),
        phases=PHASES,
        today=params["v_today"],
        **lists,
    )


@bp.get("/portal/<slug>/projects")
def projects():
    """The client's projects with their phase."""
    return shell("client/projects.html", projects=_projects(), phases=PHASES)


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
            Proposal.archived_at.is_(None),
        )
        .order_by(Proposal.id.desc())
        .limit(200)
    ).all()
    return shell("client/proposals.html", proposals=rows, today=date.today())


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
    return shell("client/invoices.html", invoices=rows, today=date.today())


@bp.post("/portal/<slug>/leave")
def leave():
    """End this device's session for the organization, on the server too."""
    leave_session(g.portal.org.id)
    return redirect(url_for("portal.left"), code=303)


@bp.get("/portal/left")
def left():
    """Shown after leaving a portal."""
    return render_template("client/left.html")
