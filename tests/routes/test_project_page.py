"""The project page owns its blocks: each renders from its own declared context, under StrictUndefined."""

from jinja2 import StrictUndefined
from jinja2_fragments.flask import render_block

from portal.dashboard import client_page, project_page
from portal.extensions import db
from portal.models import Client, Deliverable, Message, Project
from tests.conftest import HX, login
from tests.factories import make_client, make_deliverable, make_link, make_org, make_project, make_user
from tests.portal_world import store
from tests.routes.test_projects import PROJECT_PAGE_BLOCKS
from tests.samples import png_bytes


def _world(app):
    """A project with a deliverable, a file, a comment on each, a message and a portal link; ids only."""
    browser = app.test_client()
    with app.app_context():
        org = make_org(slug="blocks")
        login(browser, make_user(org), org)
        customer = make_client(org, email="casey@example.com", name="Casey")
        project = make_project(org, customer, status="in_progress")
        deliverable = make_deliverable(project, title="Stills", client_visible=True)
        file = store(project, "pier.png", png_bytes(), "image/png", deliverable)
        for body, subject in (
            ("On the stills", {"deliverable_id": deliverable.id}),
            ("On the pier", {"file_id": file.id}),
        ):
            db.session.add(
                Message(project_id=project.id, sender_type="client", sender_name="Casey", body=body, **subject)
            )
        db.session.commit()
        make_link(org, customer, project)
        return browser, {"project": project.id, "deliverable": deliverable.id, "file": file.id, "client": customer.id}


def _template_blocks(app, template: str) -> set[str]:
    with app.app_context():
        return set(app.jinja_env.get_template(template).blocks) - {"page_title", "content"}


def test_every_block_of_the_project_page_renders_from_its_declared_context_alone(app):
    _browser, ids = _world(app)
    assert app.jinja_env.undefined is StrictUndefined
    # The table names every block of the template: a new block without its context function fails here.
    assert set(project_page.PAGE.blocks) == _template_blocks(app, project_page.SHOW)
    with app.test_request_context(headers=HX):
        project = db.session.get(Project, ids["project"])
        deliverable = db.session.get(Deliverable, ids["deliverable"])
        html = {}
        for name, build in project_page.PAGE.blocks.items():
            sources = project_page.ProjectSources(project, {"deliverable": deliverable})
            html[name] = render_block(project_page.SHOW, name, **build(sources))
        db.session.remove()
    assert 'id="deliverables"' in html["deliverables"] and "On the stills" in html["deliverables"]
    assert "On the stills" in html["deliverable_card"] and "On the stills" in html["deliverable_list"]
    assert "pier.png" in html["files"] and "On the pier" in html["files"] and ">Stills</option>" in html["files"]
    assert 'id="project-thread"' in html["thread"] and "On the pier" in html["thread_messages"]
    assert 'id="portal-links"' in html["links"] and "casey@example.com" in html["links"]
    assert 'id="status-card"' in html["status_card"] and 'id="timeline"' in html["timeline"]
    assert 'id="project-live"' in html["live"]


def test_every_block_of_the_client_page_renders_from_its_declared_context_alone(app):
    _browser, ids = _world(app)
    assert set(client_page.PAGE.blocks) == _template_blocks(app, client_page.SHOW)
    with app.test_request_context(headers=HX):
        customer = db.session.get(Client, ids["client"])
        for name, build in client_page.PAGE.blocks.items():
            html = render_block(client_page.SHOW, name, **build(client_page.PAGE.sources(customer, {})))
            assert 'id="portal-links"' in html
        db.session.remove()


def test_a_deliverable_card_keeps_its_comments_when_shown_alone(app):
    browser, ids = _world(app)
    card = f"/app/deliverables/{ids['deliverable']}"
    hidden = browser.post(f"{card}/visibility", data={"client_visible": "0"}, headers=HX)
    assert hidden.status_code == 200 and "Hidden from client" in hidden.text and "On the stills" in hidden.text
    cancelled = browser.get(card, headers=HX)
    assert cancelled.status_code == 200 and "On the stills" in cancelled.text


def test_full_page_still_shows_every_block(app):
    browser, ids = _world(app)
    page = browser.get(f"/app/projects/{ids['project']}")
    assert page.status_code == 200
    for marker in (*PROJECT_PAGE_BLOCKS, 'id="portal-links"', 'id="project-live"', "On the stills", "On the pier"):
        assert marker in page.text, marker
