"""The portal's sections: the overview, the lists of projects, proposals and invoices, and leaving."""

from __future__ import annotations

from functools import cache

from flask import g, redirect, render_template, url_for
from sqlalchemy import bindparam

from portal.client import bp
from portal.client.devices import forget_device
from portal.client.overview import overview_statements
from portal.client.session import leave_session
from portal.client.timeline import client_timeline
from portal.client.visibility import sent_to_client, visibility, visible_ids_statement
from portal.extensions import db
from portal.htmx import render
from portal.models import Invoice, Project, Proposal
from portal.models.invoice import list_columns as invoice_columns
from portal.models.project import PHASES, phase_index
from portal.models.proposal import list_columns as proposal_columns


@cache
def _statements() -> dict:
    limit = bindparam("limit")
    return {
        # The organization too, so the planner reads its projects by index, not every project there is.
        "projects": db.select(
            Project.id,
            Project.name,
            Project.status,
            Project.held_from,
            Project.hold_reason,
            Project.start_date,
            Project.location,
        )
        .where(Project.org_id == bindparam("v_org"), Project.id.in_(visible_ids_statement()))
        .order_by(Project.updated_at.desc())
        .limit(limit),
        "proposals": db.select(*proposal_columns())
        .where(sent_to_client(Proposal))
        .order_by(Proposal.id.desc())
        .limit(limit),
        "invoices": db.select(*invoice_columns())
        .where(sent_to_client(Invoice))
        .order_by(Invoice.id.desc())
        .limit(limit),
    }


def _rows(name: str, limit: int = 200) -> list:
    return db.session.execute(_statements()[name], {**visibility(g.portal), "limit": limit}).all()


def _projects(limit: int = 200) -> list:
    return [{"row": row, "phase": phase_index(row.status, row.held_from)} for row in _rows("projects", limit)]


@bp.get("/portal/<slug>/")
def overview():
    """What needs the client now, their projects and recent activity."""
    params = visibility(g.portal)
    lists = {name: db.session.execute(statement, params).all() for name, statement in overview_statements().items()}
    lists["activity"] = client_timeline(lists["activity"])
    return render(
        "client/overview.html",
        projects=_projects(limit=6),
        phases=PHASES,
        today=params["v_today"],
        **lists,
    )


@bp.get("/portal/<slug>/projects")
def projects():
    """The client's projects with their phase."""
    return render("client/projects.html", projects=_projects(), phases=PHASES)


@bp.get("/portal/<slug>/proposals")
def proposals():
    """Proposals sent to the client."""
    return render("client/proposals.html", proposals=_rows("proposals"), today=visibility(g.portal)["v_today"])


@bp.get("/portal/<slug>/invoices")
def invoices():
    """Invoices sent to the client."""
    return render("client/invoices.html", invoices=_rows("invoices"), today=visibility(g.portal)["v_today"])


@bp.post("/portal/<slug>/leave")
def leave():
    """End this device's session for the organization, on the server too."""
    org_id, email = g.portal.org.id, g.portal.email
    leave_session(org_id)
    response = redirect(url_for("portal.left"), code=303)
    # On a shared computer the next person must not reopen the link from the history without its code.
    forget_device(response, org_id, email)
    return response


@bp.get("/portal/left")
def left():
    """Shown after leaving a portal."""
    return render_template("client/left.html")
