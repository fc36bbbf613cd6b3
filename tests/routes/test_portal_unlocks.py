"""What a portal session sees: the projects of the links unlocked on this device, and nothing else anywhere."""

from __future__ import annotations

from dataclasses import dataclass

from portal.extensions import db
from portal.models import Message
from portal.services import portal_links
from portal.services.activity import Actor
from tests.conftest import HX
from tests.factories import make_activity, make_client, make_deliverable, make_link, make_org, make_project
from tests.portal_world import store
from tests.samples import png_bytes

CODE = "246810"
OPERATOR = Actor("operator", "Maya")


@dataclass
class Links:
    """Two projects of one client email: one behind a coded link, one behind a code-less link."""

    coded_project: int
    coded_deliverable: int
    coded_file: int
    coded_link: int
    coded_token: str
    open_project: int
    open_link: int
    open_token: str


def _links(app, *, client_wide_code: bool = False) -> Links:
    with app.app_context():
        org = make_org("Unlock Drones", slug="unlock")
        customer = make_client(org, email="casey@example.com", name="Casey")
        coded = make_project(org, customer, name="CODED-PROJECT", status="delivered")
        opened = make_project(org, customer, name="OPEN-PROJECT", status="in_progress")
        deliverable = make_deliverable(coded, title="CODED-DELIVERABLE", client_visible=True, status="ready")
        file = store(coded, "CODED-FILE.png", png_bytes(), "image/png", deliverable)
        db.session.add(Message(project_id=coded.id, sender_type="operator", sender_name="Op", body="CODED-MESSAGE"))
        make_activity(org, coded, "CODED-ACTIVITY", actor_type="operator", verb="deliverable.new_version")
        coded_link, coded_token = make_link(org, customer, None if client_wide_code else coded, code=CODE)
        open_link, open_token = make_link(org, customer, opened)
        return Links(coded.id, deliverable.id, file.id, coded_link.id, coded_token, opened.id, open_link.id, open_token)


def _hidden_everywhere(browser, links: Links) -> None:
    """The coded project's name, deliverable, file, messages and activity appear nowhere, and its URLs are 404."""
    base = "/portal/unlock"
    for path in ("/", "/projects", "/proposals", "/invoices", f"/projects/{links.open_project}"):
        page = browser.get(base + path)
        assert page.status_code == 200, path
        assert "CODED-" not in page.text, path
    for path in (
        f"/projects/{links.coded_project}",
        f"/files/{links.coded_file}",
        f"/files/{links.coded_file}/view",
        f"/files/{links.coded_file}/thumb",
        f"/deliverables/{links.coded_deliverable}/zip",
    ):
        assert browser.get(base + path).status_code == 404, path
    assert browser.get(base + f"/projects/{links.coded_project}/thread", headers=HX).status_code == 404
    posts = (
        f"/projects/{links.coded_project}/messages",
        f"/deliverables/{links.coded_deliverable}/decide",
        f"/deliverables/{links.coded_deliverable}/comments",
        f"/files/{links.coded_file}/comments",
    )
    for path in posts:
        assert browser.post(base + path, data={"body": "x", "decision": "approved", "version": 1}).status_code == 404
    # The badges count only what is shown: nothing to review, nothing unread.
    overview = browser.get(base + "/").text
    assert 'class="count zero" id="badge-projects"' in overview


def test_a_code_less_link_does_not_open_the_project_behind_a_code(app, client):
    links = _links(app)
    assert client.post(f"/p/{links.open_token}").status_code == 303
    assert "OPEN-PROJECT" in client.get("/portal/unlock/projects").text
    _hidden_everywhere(client, links)
    # Entering the coded link's code on this device unlocks its project too, keeping the other.
    assert client.post(f"/p/{links.coded_token}", data={"code": CODE}).status_code == 303
    listing = client.get("/portal/unlock/projects").text
    assert "CODED-PROJECT" in listing and "OPEN-PROJECT" in listing
    overview = client.get("/portal/unlock/").text
    assert "CODED-DELIVERABLE" in overview and "CODED-ACTIVITY" in overview
    assert client.get(f"/portal/unlock/files/{links.coded_file}").status_code == 200


def test_a_coded_client_wide_link_covers_nothing_until_its_code_is_entered(app, client):
    links = _links(app, client_wide_code=True)
    client.post(f"/p/{links.open_token}")
    _hidden_everywhere(client, links)
    client.post(f"/p/{links.coded_token}", data={"code": CODE})
    assert "CODED-PROJECT" in client.get("/portal/unlock/projects").text


def test_another_device_with_only_the_code_less_link_never_sees_the_coded_project(app, client):
    links = _links(app)
    assert client.post(f"/p/{links.coded_token}", data={"code": CODE}).status_code == 303
    other_device = app.test_client()
    other_device.post(f"/p/{links.open_token}")
    _hidden_everywhere(other_device, links)


def test_code_less_links_of_the_email_open_together_except_where_email_verification_is_required(app, client):
    links = _links(app)
    with app.app_context():
        org_id = db.session.execute(db.text("SELECT id FROM organization WHERE slug = 'unlock'")).scalar()
        from portal.models import Client, Organization

        org = db.session.get(Organization, org_id)
        customer = db.session.execute(db.select(Client).where(Client.org_id == org_id)).scalar_one()
        sibling = make_project(org, customer, name="SIBLING-PROJECT", status="in_progress")
        guarded = make_project(org, customer, name="GUARDED-PROJECT", status="in_progress")
        make_link(org, customer, sibling)
        make_link(org, customer, guarded, require_email_verification=True)
        stranger = make_client(org, email="someone@else.example")
        make_link(org, stranger, make_project(org, stranger, name="STRANGER-PROJECT", status="in_progress"))
    client.post(f"/p/{links.open_token}")
    listing = client.get("/portal/unlock/projects").text
    assert "SIBLING-PROJECT" in listing and "OPEN-PROJECT" in listing
    assert "GUARDED-PROJECT" not in listing and "STRANGER-PROJECT" not in listing and "CODED-PROJECT" not in listing


def test_a_remembered_code_unlocks_its_link_for_30_days_until_the_code_changes(app, client):
    links = _links(app)
    client.post(f"/p/{links.coded_token}", data={"code": CODE})
    # A new session through the code-less link: the device still remembers the coded link's code.
    client.post(f"/p/{links.open_token}")
    assert "CODED-PROJECT" in client.get("/portal/unlock/projects").text
    with app.app_context():
        from portal.models import PortalLink

        portal_links.rotate_code(db.session.get(PortalLink, links.coded_link), OPERATOR)
    # The new code is not entered here: the coded project is gone at once, the session itself goes on.
    _hidden_everywhere(client, links)
    assert "OPEN-PROJECT" in client.get("/portal/unlock/projects").text


def test_leaving_the_portal_forgets_the_codes_entered_on_this_device(app, client):
    links = _links(app)
    client.post(f"/p/{links.coded_token}", data={"code": CODE})
    assert client.get(f"/p/{links.coded_token}").status_code == 200
    assert 'name="code"' not in client.get(f"/p/{links.coded_token}").text
    assert client.post("/portal/unlock/leave").status_code == 303
    # The next person at this computer reopens the link from the history: the code is asked again.
    assert 'name="code"' in client.get(f"/p/{links.coded_token}").text
    assert client.post(f"/p/{links.coded_token}").status_code != 303
    client.post(f"/p/{links.open_token}")
    assert "CODED-PROJECT" not in client.get("/portal/unlock/projects").text


def test_the_switcher_opens_only_what_the_link_it_enters_by_unlocks(app, client):
    from portal.client.devices import VERIFIED_COOKIE, verified_cookie_value

    links = _links(app)  # the code-less link is the newest: the switcher enters by it
    with app.test_request_context():
        verified = verified_cookie_value(None, "casey@example.com")
    client.set_cookie(VERIFIED_COOKIE, verified, domain="portal.test")
    entry = client.get("/p/switch/unlock")
    assert entry.status_code == 200 and 'name="code"' not in entry.text
    assert client.post("/p/switch/unlock").status_code == 303
    _hidden_everywhere(client, links)
    # The coded link still asks for its own code, and only then shows its project.
    assert 'name="code"' in client.get(f"/p/{links.coded_token}").text
    client.post(f"/p/{links.coded_token}", data={"code": CODE})
    assert "CODED-PROJECT" in client.get("/portal/unlock/projects").text
