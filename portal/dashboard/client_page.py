"""The operator's client page: the client's projects around the block of client-wide portal links."""

from __future__ import annotations

from portal.blocks import BlockPage, Sources
from portal.dashboard.links_block import links_context
from portal.extensions import db
from portal.models import Project

SHOW = "dashboard/clients/show.html"


def _frame(page: Sources) -> dict:
    projects = db.session.execute(
        db.select(Project.id, Project.name, Project.status, Project.archived_at)
        .where(Project.client_id == page.obj.id)
        .order_by(Project.created_at.desc())
    ).all()
    return {"client": page.obj, "projects": projects}


def _links(page: Sources) -> dict:
    return links_context(client=page.obj, form=page.inputs.get("link_form"), revealed=page.inputs.get("revealed"))


PAGE = BlockPage(SHOW, Sources, _frame, {"links": _links})


# The page's answers, as in BlockPage: render(obj, block, oob=...), invalid(obj, block) and done(obj, location, ...).
render, invalid, done = PAGE.answers()
