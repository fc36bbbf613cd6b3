"""Each client action on the project page costs its write plus the blocks it returns: rendering them costs no more
than rendering those blocks alone, and nothing is read for a block it does not return."""

import pytest
from flask import g

from portal.client import project_page
from portal.client.session import PortalSession
from portal.extensions import db
from portal.models import ClientSession, Deliverable, Organization, PortalLink, Project
from portal.models.deliverable import APPROVED
from tests.conftest import HX
from tests.integration.test_query_counts import counting, record_renders, statements_to_render
from tests.portal_world import make_world

# action: (path, form, the blocks it returns, its statements at most)
ACTIONS = {
    "decide": (
        "/deliverables/{deliverable}/decide",
        {"decision": APPROVED, "version": "1"},
        ("deliverable_card", "badges", "thread_messages"),
        # The decision's own row with its files' capture metadata, and the card's versions and decisions.
        18,
    ),
    "comment": (
        "/deliverables/{deliverable}/comments",
        {"body": "Lovely"},
        ("deliverable_card", "badges", "thread_messages"),
        15,
    ),
    "post message": ("/projects/{project}/messages", {"body": "Hello"}, ("thread", "badges"), 10),
}


def _blocks_cost(app, ids: dict, blocks: tuple[str, ...]) -> int:
    """Statements of rendering just these blocks for the client, with the rows fresh from a commit."""
    with app.test_request_context(headers=HX):
        project = db.session.get(Project, ids["project"])
        deliverable = db.session.get(Deliverable, ids["deliverable"])
        session = db.session.get(ClientSession, ids["session"])
        org, link = db.session.get(Organization, project.org_id), db.session.get(PortalLink, session.link_id)
        g.portal = PortalSession(org, link, session.email, session_id=session.id, name=link.client_name)
        g.portal_slug = org.slug
        return statements_to_render(project_page.render, project, deliverable, blocks)


@pytest.mark.parametrize("action", ACTIONS)
def test_a_client_action_builds_only_the_blocks_it_returns(app, monkeypatch, action):
    with app.app_context():
        world = make_world(app, slug="counts")
        session = db.session.execute(db.select(ClientSession)).scalar_one()
        ids = {"project": world.project.id, "deliverable": world.review.id, "session": session.id}
    path, form, blocks, most = ACTIONS[action]
    rendered = record_renders(monkeypatch, project_page.PAGE)
    with app.app_context(), counting() as statements:
        response = world.browser.post(f"/portal/counts{path.format(**ids)}", data=form, headers=HX)
    assert response.status_code == 200 and 'class="error"' not in response.text
    [(names, while_rendering)] = rendered
    assert names == blocks
    assert while_rendering <= _blocks_cost(app, ids, blocks)
    assert len(statements) <= most
