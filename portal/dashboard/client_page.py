"""The operator's client page: the client's projects around the block of client-wide portal links."""

from __future__ import annotations

from flask import Response

from portal.blocks import BlockPage, Sources
from portal.dashboard.links_block import links_context
from portal.extensions import db
from portal.models import Client, Project

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


def render(client: Client, block: str | None = None, **options) -> Response:
    """The full page, or for htmx the block and its out-of-band blocks (see ``BlockPage.render``)."""
    return PAGE.render(client, block, **options)


def invalid(client: Client, block: str, **inputs) -> Response:
    """An invalid submit answered with the block (htmx, 200) or the full page (422)."""
    return PAGE.invalid(client, block, **inputs)


def done(client: Client, location: str, message: str | None, block: str, **options) -> Response:
    """A successful POST answered with the block (htmx) or a redirect to ``location``."""
    return PAGE.done(client, location, message, block, **options)
