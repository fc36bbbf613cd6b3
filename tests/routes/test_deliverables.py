"""Deliverables: create, inline edit, version bump, client visibility."""

from datetime import UTC, datetime

from portal.extensions import db
from portal.models import Deliverable
from tests.conftest import HX, login
from tests.factories import make_deliverable, make_org, make_project, make_user


def _setup(client):
    org = make_org()
    login(client, make_user(org), org)
    return org, make_project(org)


def test_create_deliverable_fragment_and_full(client, ctx):
    _org, project = _setup(client)
    data = {"title": "Orthomosaic", "type": "orthomosaic", "format": "GeoTIFF", "status": "in_progress"}
    fragment = client.post(f"/app/projects/{project.id}/deliverables", data=data, headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'id="deliverables"' in fragment.text and "Orthomosaic" in fragment.text
    assert 'id="flash"' in fragment.text and "Deliverable added" in fragment.text
    full = client.post(
        f"/app/projects/{project.id}/deliverables", data={**data, "title": "Report", "type": "inspection_report"}
    )
    assert full.status_code == 303 and full.headers["Location"].endswith("#deliverables")
    titles = db.session.execute(db.select(Deliverable.title).order_by(Deliverable.id)).scalars().all()
    assert titles == ["Orthomosaic", "Report"]


def test_create_deliverable_bad_input(client, ctx):
    _org, project = _setup(client)
    empty = client.post(
        f"/app/projects/{project.id}/deliverables",
        data={"title": "", "type": "photos", "status": "planned"},
        headers=HX,
    )
    assert empty.status_code == 200 and "This field is required" in empty.text
    unknown = client.post(
        f"/app/projects/{project.id}/deliverables", data={"title": "T", "type": "hologram", "status": "planned"}
    )
    assert unknown.status_code == 422 and "Not a valid choice" in unknown.text
    assert db.session.execute(db.select(db.func.count(Deliverable.id))).scalar() == 0


def test_inline_edit_and_cancel(client, ctx):
    _org, project = _setup(client)
    deliverable = make_deliverable(project, title="Stills")
    form = client.get(f"/app/deliverables/{deliverable.id}/edit", headers=HX)
    assert form.status_code == 200 and "<html" not in form.text and 'name="version"' in form.text
    assert client.get(f"/app/deliverables/{deliverable.id}/edit").text.startswith("<!doctype html>")
    card = client.get(f"/app/deliverables/{deliverable.id}", headers=HX)
    assert f'id="deliverable-{deliverable.id}"' in card.text and "<html" not in card.text
    assert client.get(f"/app/deliverables/{deliverable.id}").status_code == 302
    saved = client.post(
        f"/app/deliverables/{deliverable.id}/edit",
        headers=HX,
        data={"title": "Stills (graded)", "type": "photos", "format": "JPEG", "status": "ready", "version": 1},
    )
    assert saved.status_code == 200 and "Stills (graded)" in saved.text and "Ready for review" in saved.text


def test_new_version_reopens_review(client, ctx):
    _org, project = _setup(client)
    deliverable = make_deliverable(
        project,
        approval_status="rejected",
        decision_reason="Too dark",
        decided_at=datetime.now(UTC),
        decided_by_email="c@example.com",
        decision_version=1,
    )
    response = client.post(
        f"/app/deliverables/{deliverable.id}/edit",
        data={"title": deliverable.title, "type": "photos", "status": "ready", "version": 2},
    )
    assert response.status_code == 303
    db.session.refresh(deliverable)
    assert (deliverable.version, deliverable.approval_status, deliverable.decision_reason, deliverable.decided_at) == (
        2,
        "pending",
        None,
        None,
    )


def test_version_cannot_go_down(client, ctx):
    _org, project = _setup(client)
    deliverable = make_deliverable(project, version=3)
    response = client.post(
        f"/app/deliverables/{deliverable.id}/edit",
        headers=HX,
        data={"title": "X", "type": "photos", "status": "ready", "version": 2},
    )
    assert response.status_code == 200 and "cannot go back" in response.text
    db.session.refresh(deliverable)
    assert (deliverable.version, deliverable.title) != (2, "X")


def test_visibility_toggle(client, ctx):
    _org, project = _setup(client)
    deliverable = make_deliverable(project)
    shown = client.post(f"/app/deliverables/{deliverable.id}/visibility", data={"client_visible": "1"}, headers=HX)
    assert shown.status_code == 200 and "Visible to client" in shown.text and 'id="timeline"' in shown.text
    db.session.refresh(deliverable)
    assert deliverable.client_visible is True
    hidden = client.post(f"/app/deliverables/{deliverable.id}/visibility", data={"client_visible": "0"})
    assert hidden.status_code == 303
    db.session.refresh(deliverable)
    assert deliverable.client_visible is False


def test_foreign_deliverable_is_404(client, ctx):
    _setup(client)
    foreign = make_deliverable(make_project(make_org()))
    assert client.get(f"/app/deliverables/{foreign.id}/edit").status_code == 404
    assert client.post(f"/app/deliverables/{foreign.id}/visibility", data={"client_visible": "1"}).status_code == 404
    db.session.refresh(foreign)
    assert foreign.client_visible is False
