"""Each project-page action costs its write plus the blocks it returns: no statement for a block it does not render."""

import pytest
from flask import g

from portal.dashboard import project_page
from portal.extensions import db
from portal.models import Deliverable, Organization, PortalLink, Project
from tests.conftest import HX
from tests.integration.test_query_counts import counting, record_renders, statements_to_render
from tests.routes.test_project_page import _world

# action: (method, path, form, the blocks it returns, its statements at most)
ACTIONS = {
    "link toggle": ("post", "/app/links/{link}/notify", {"notify_email": "1"}, ("links",), 9),
    "comment": (
        "post",
        "/app/deliverables/{deliverable}/comments",
        {"body": "Lovely"},
        ("deliverable_card", "thread_messages"),
        11,
    ),
    "file comment": ("post", "/app/files/{file}/comments", {"body": "Lovely"}, ("files", "thread_messages"), 14),
    "post message": ("post", "/app/projects/{project}/messages", {"body": "Hello"}, ("thread", "timeline"), 9),
    "deliverable change": (
        "post",
        "/app/deliverables/{deliverable}/edit",
        {"title": "Stills, graded", "type": "photos", "status": "ready", "version": 1},
        ("deliverable_card", "files", "timeline"),
        15,
    ),
    "deliverable visibility": (
        "post",
        "/app/deliverables/{deliverable}/visibility",
        {"client_visible": "0"},
        ("deliverable_card", "timeline"),
        10,
    ),
    "status change": (
        "post",
        "/app/projects/{project}/status",
        {"status": "delivered", "confirmed": "1"},
        ("status_card", "timeline"),
        7,
    ),
    # A file shown or hidden changes its deliverable's "Download all": the stale ZIP's row goes (a read, a delete).
    "file visibility": ("post", "/app/files/{file}/visibility", {"client_visible": "0"}, ("files", "timeline"), 16),
    "site position": (
        "post",
        "/app/projects/{project}/site",
        {"lat": "51.4545", "lon": "-2.5879"},
        ("site_map", "timeline"),
        9,
    ),
    "map pin": (
        "post",
        "/app/projects/{project}/map-pins",
        {"lat": "51.455", "lon": "-2.588", "body": "Here"},
        ("site_map", "thread_messages", "timeline"),
        11,
    ),
    "live poll": (
        "get",
        "/app/projects/{project}/live",
        None,
        ("live", "deliverable_list", "thread_messages", "timeline"),
        7,
    ),
}
# One lists the uploads still open or being checked; one reads the files placed on the map (its pins come with
# the thread's rows).
FULL_PAGE = 12
# The files block shows the organization's upload limit: after an action's commit the organization is read again.


def _blocks_cost(app, ids: dict, blocks: tuple[str, ...]) -> int:
    """Statements of rendering just these blocks, for a project (and deliverable) fresh from a commit."""
    with app.test_request_context(headers=HX):
        project = db.session.get(Project, ids["project"])
        deliverable = db.session.get(Deliverable, ids["deliverable"])
        # The guard loads the organization before the view; a commit expires it, as here.
        g.org = db.session.get(Organization, project.org_id)
        return statements_to_render(project_page.render, project, deliverable, blocks)


@pytest.mark.parametrize("action", ACTIONS)
def test_an_action_builds_only_the_blocks_it_returns(app, monkeypatch, action):
    browser, ids = _world(app)
    with app.app_context():
        # Emails to the client belong to the outbox, measured on its own: here the link does not notify.
        link = db.session.execute(db.select(PortalLink)).scalar_one()
        link.notify_email = False
        project = db.session.get(Project, ids["project"])
        project.site_lat, project.site_lon = 51.4545, -2.5879  # a map pin lies near the site
        db.session.commit()
        ids["link"] = link.id
    method, path, form, blocks, most = ACTIONS[action]
    rendered = record_renders(monkeypatch, project_page.PAGE)
    kwargs = {"headers": HX} if form is None else {"headers": HX, "data": form}
    with app.app_context(), counting() as statements:
        response = getattr(browser, method)(path.format(**ids), **kwargs)
    assert response.status_code == 200 and 'class="error"' not in response.text
    [(names, while_rendering)] = rendered
    assert names == blocks
    # Answering costs what rendering these blocks alone costs; the rest is signing in, loading and the write.
    assert while_rendering <= _blocks_cost(app, ids, blocks)
    assert len(statements) <= most


def test_the_full_page_costs_a_fixed_number_of_statements(app):
    browser, ids = _world(app)
    with app.app_context(), counting() as statements:
        assert browser.get(f"/app/projects/{ids['project']}").status_code == 200
    assert len(statements) <= FULL_PAGE
