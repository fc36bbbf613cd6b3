"""The client's project page owns its blocks: each renders from just the context its table entry declares."""

import pytest
from flask import g
from jinja2 import StrictUndefined
from jinja2_fragments.flask import render_block

from portal.client import project_page
from portal.client.session import PortalSession
from portal.extensions import db
from portal.models import Deliverable, Message, Organization, PortalLink, Project
from portal.services.portal_links import link_token
from tests.portal_world import make_world


@pytest.fixture
def world_ids(app):
    with app.app_context():
        world = make_world(app, slug="blocks", allow_uploads=True)
        for subject in ({"deliverable_id": world.review.id}, {"file_id": world.image.id}, {"file_id": world.html.id}):
            db.session.add(
                Message(project_id=world.project.id, sender_type="client", sender_name="C", body="A note", **subject)
            )
        db.session.commit()
        return {"org": world.org.id, "link": world.link.id, "project": world.project.id, "review": world.review.id}


# What a caller must give a block: the deliverable of a single card.
GIVEN = {"deliverable_card": ("deliverable",)}


@pytest.mark.parametrize("name", sorted(project_page.PAGE.blocks))
def test_every_block_renders_with_only_its_declared_context(app, world_ids, name):
    assert app.jinja_env.undefined is StrictUndefined
    with app.app_context(), app.test_request_context():
        org = db.session.get(Organization, world_ids["org"])
        link = db.session.get(PortalLink, world_ids["link"])
        g.portal = PortalSession(org, link, link.client_email)
        g.portal_slug = org.slug
        project = db.session.get(Project, world_ids["project"])
        samples = {"deliverable": db.session.get(Deliverable, world_ids["review"])}
        given = {key: samples[key] for key in GIVEN.get(name, ())}
        context = project_page.PAGE.context(project, [name], **given)
        html = render_block(project_page.PAGE.template, name, **context)
    assert html.strip()


def test_the_whole_page_renders_every_block(app, world_ids):
    with app.app_context():
        slug = db.session.get(Organization, world_ids["org"]).slug
    browser = app.test_client()
    with app.app_context():
        token = _fresh_token(world_ids["link"])
    assert browser.post(f"/p/{token}").status_code == 303
    page = browser.get(f"/portal/{slug}/projects/{world_ids['project']}").get_data(as_text=True)
    for element_id in ('id="deliverable-', 'id="files"', 'id="thread"', 'id="thread-messages"', 'id="badge-projects"'):
        assert element_id in page


def _fresh_token(link_id: int) -> str:
    return link_token(db.session.get(PortalLink, link_id))
