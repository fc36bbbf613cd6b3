"""Projects: list, create, edit, status changes, project page."""

from portal.extensions import db
from portal.models import Activity, Project
from tests.conftest import HX, login
from tests.factories import make_client, make_org, make_project, make_user

# The blocks every operator project page shows, empty or not.
PROJECT_PAGE_BLOCKS = (
    'id="deliverables"',
    'id="project-files"',
    'id="project-thread"',
    'id="status-card"',
    'id="timeline"',
)


def _operator(client):
    org = make_org()
    login(client, make_user(org), org)
    return org


def _is_fragment(response):
    return "<html" not in response.get_data(as_text=True) and "HX-Request" in response.headers["Vary"]


def test_list_filters_by_status_and_search(client, ctx):
    org = _operator(client)
    acme = make_client(org, name="Acme Ports")
    make_project(org, acme, name="Harbour survey", status="scheduled")
    make_project(org, name="Roof inspection", status="draft", location="Bergen")
    make_project(make_org(), name="Foreign harbour")
    page = client.get("/app/projects")
    assert "Harbour survey" in page.text and "Roof inspection" in page.text and "Foreign" not in page.text
    fragment = client.get("/app/projects?status=scheduled", headers=HX)
    assert _is_fragment(fragment) and "Harbour survey" in fragment.text and "Roof inspection" not in fragment.text
    assert "Roof inspection" in client.get("/app/projects?q=bergen", headers=HX).text
    assert "Harbour survey" in client.get("/app/projects?q=acme").text
    assert "No project matches" in client.get("/app/projects?q=zzz").text


def test_empty_list_says_to_add_a_client_first(client, ctx):
    _operator(client)
    assert "adding a client" in client.get("/app/projects").text


def test_create_project_full_page_and_fragment(client, ctx):
    org = _operator(client)
    acme = make_client(org)
    data = {
        "client_id": acme.id,
        "name": "Mast inspection",
        "type": "Inspection",
        "start_date": "2026-12-01",
        "end_date": "2026-12-02",
        "location": "Hill 3",
    }
    response = client.post("/app/projects/new", data=data)
    assert response.status_code == 303
    project = db.session.execute(db.select(Project)).scalar_one()
    assert response.headers["Location"].endswith(f"/app/projects/{project.id}")
    assert project.client_id == acme.id and project.status == "draft"
    fragment = client.post("/app/projects/new", data={**data, "name": "Second"}, headers=HX)
    assert fragment.status_code == 204 and "/app/projects/" in fragment.headers["HX-Redirect"]


def test_create_project_rejects_bad_input_and_foreign_client(client, ctx):
    org = _operator(client)
    foreign_client = make_client(make_org())
    own = make_client(org)
    bad_dates = client.post(
        "/app/projects/new",
        data={"client_id": own.id, "name": "X", "start_date": "2026-12-05", "end_date": "2026-12-01"},
        headers=HX,
    )
    assert bad_dates.status_code == 200 and _is_fragment(bad_dates) and "cannot be before" in bad_dates.text
    foreign = client.post("/app/projects/new", data={"client_id": foreign_client.id, "name": "X"})
    assert foreign.status_code == 422 and "Not a valid choice" in foreign.text
    empty = client.post("/app/projects/new", data={"client_id": own.id, "name": ""})
    assert empty.status_code == 422 and "This field is required" in empty.text
    assert db.session.execute(db.select(db.func.count(Project.id))).scalar() == 0


def test_edit_project(client, ctx):
    org = _operator(client)
    project = make_project(org)
    assert client.get(f"/app/projects/{project.id}/edit").status_code == 200
    response = client.post(
        f"/app/projects/{project.id}/edit",
        headers=HX,
        data={"client_id": project.client_id, "name": "Renamed", "location": "Pier 4"},
    )
    assert response.status_code == 204
    db.session.refresh(project)
    assert project.name == "Renamed" and project.location == "Pier 4"


def test_status_change_in_place_with_timeline_oob(client, ctx):
    org = _operator(client)
    project = make_project(org, status="draft")
    fragment = client.post(f"/app/projects/{project.id}/status", data={"status": "confirmed"}, headers=HX)
    assert fragment.status_code == 200 and _is_fragment(fragment)
    assert 'id="status-card"' in fragment.text and "Confirmed" in fragment.text
    assert 'id="timeline" ' in fragment.text and 'hx-swap-oob="true"' in fragment.text
    assert "from Draft to Confirmed" in fragment.text
    full = client.post(f"/app/projects/{project.id}/status", data={"status": "scheduled"})
    assert full.status_code == 303
    db.session.refresh(project)
    assert project.status == "scheduled"


def test_illegal_transition_changes_nothing(client, ctx):
    org = _operator(client)
    project = make_project(org, status="draft")
    response = client.post(f"/app/projects/{project.id}/status", data={"status": "completed"}, headers=HX)
    assert response.status_code == 200 and "cannot move to" in response.text
    db.session.refresh(project)
    assert project.status == "draft"
    assert db.session.execute(db.select(db.func.count(Activity.id))).scalar() == 0


def test_hold_needs_a_reason_and_resumes_where_it_was(client, ctx):
    org = _operator(client)
    project = make_project(org, status="in_progress")
    missing = client.post(f"/app/projects/{project.id}/status", data={"status": "on_hold"})
    assert missing.status_code == 422 and "Say why" in missing.text
    client.post(f"/app/projects/{project.id}/status", data={"status": "on_hold", "hold_reason": "Storm front"})
    db.session.refresh(project)
    assert (project.status, project.held_from, project.hold_reason) == ("on_hold", "in_progress", "Storm front")
    page = client.get(f"/app/projects/{project.id}").text
    assert "Resume: In progress" in page and "Storm front" in page
    client.post(f"/app/projects/{project.id}/status", data={"status": "in_progress"})
    db.session.refresh(project)
    assert (project.status, project.held_from, project.hold_reason) == ("in_progress", None, None)


def test_foreign_project_is_404(client, ctx):
    _operator(client)
    foreign = make_project(make_org())
    assert client.get(f"/app/projects/{foreign.id}").status_code == 404
    assert client.post(f"/app/projects/{foreign.id}/status", data={"status": "confirmed"}).status_code == 404
    db.session.refresh(foreign)
    assert foreign.status == "draft"


def test_project_page_shows_sections(client, ctx):
    org = _operator(client)
    project = make_project(org, name="Bridge deck")
    page = client.get(f"/app/projects/{project.id}")
    assert page.status_code == 200
    for marker in ("Bridge deck", *PROJECT_PAGE_BLOCKS):
        assert marker in page.text
