"""Archive, restore and delete: lists, blockers, confirmation, Activity, storage and the client's portal."""

from __future__ import annotations

import io
import logging
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.models import (
    Activity,
    Client,
    Deliverable,
    Invoice,
    InvoiceLine,
    Organization,
    Project,
    Proposal,
    StoredFile,
)
from portal.storage import get_storage
from tests.conftest import HX, login
from tests.factories import make_client, make_deliverable, make_org, make_project, make_user
from tests.portal_world import make_world, store
from tests.samples import png_bytes


def _operator(app, **project_fields):
    """An org with an operator, a client, a project and a deliverable; returns a logged-in browser and ids."""
    with app.app_context():
        org = make_org("Archive Org")
        user = make_user(org)
        client = make_client(org, name="Casey Client")
        project = make_project(org, client, name="Harbour shoot", **project_fields)
        deliverable = make_deliverable(project, title="Stills")
        ids = {"org": org.id, "client": client.id, "project": project.id, "deliverable": deliverable.id}
        browser = login(app.test_client(), user, org)
    return browser, ids


def _proposal(org_id, client_id, project_id=None, **fields) -> int:
    proposal = Proposal(
        org_id=org_id,
        client_id=client_id,
        project_id=project_id,
        number=fields.pop("number", "P-0001"),
        title=fields.pop("title", "Survey offer"),
        currency="EUR",
        lines=[],
        **fields,
    )
    db.session.add(proposal)
    db.session.commit()
    return proposal.id


def _invoice(org_id, client_id, project_id) -> int:
    invoice = Invoice(
        org_id=org_id,
        client_id=client_id,
        project_id=project_id,
        number="INV-0001",
        issue_date=date.today(),
        currency="EUR",
        lines=[InvoiceLine(description="Flight", quantity=Decimal(1), unit_price_minor=10000)],
    )
    db.session.add(invoice)
    db.session.commit()
    return invoice.id


def _verbs(app) -> list[str]:
    with app.app_context():
        return list(db.session.execute(db.select(Activity.verb).order_by(Activity.id)).scalars())


def test_archived_project_leaves_the_list_and_comes_back(app):
    browser, ids = _operator(app)
    response = browser.post(f"/app/projects/{ids['project']}/archive")
    assert response.status_code == 303
    row = f'href="/app/projects/{ids["project"]}"'
    assert row not in browser.get("/app/projects").text
    archived = browser.get("/app/projects?archived=1")
    assert row in archived.text and "Show active" in archived.text
    page = browser.get(f"/app/projects/{ids['project']}").text
    assert "Archived" in page and "Restore" in page
    assert "Archived" in browser.get(f"/app/clients/{ids['client']}").text
    assert browser.post(f"/app/projects/{ids['project']}/restore").status_code == 303
    assert row in browser.get("/app/projects").text
    assert row not in browser.get("/app/projects?archived=1").text
    assert _verbs(app)[-2:] == ["project.archived", "project.restored"]


def test_archived_client_and_proposal_leave_their_lists(app):
    browser, ids = _operator(app)
    with app.app_context():
        proposal_id = _proposal(ids["org"], ids["client"])
    assert browser.post(f"/app/clients/{ids['client']}/archive").status_code == 303
    assert browser.post(f"/app/proposals/{proposal_id}/archive").status_code == 303
    client_row, proposal_row = f'href="/app/clients/{ids["client"]}"', f'href="/app/proposals/{proposal_id}"'
    assert client_row not in browser.get("/app/clients").text
    assert client_row in browser.get("/app/clients?archived=1").text
    assert proposal_row not in browser.get("/app/proposals").text
    assert proposal_row in browser.get("/app/proposals?archived=1").text
    # Twice is harmless and records once.
    assert browser.post(f"/app/proposals/{proposal_id}/archive").status_code == 303
    assert _verbs(app).count("proposal.archived") == 1


def test_confirm_page_without_javascript_then_delete(app):
    browser, ids = _operator(app)
    with app.app_context():
        client_id = make_client(db.session.get(Organization, ids["org"]), name="Lone Client").id
    page = browser.get(f"/app/clients/{client_id}/delete")
    assert page.status_code == 200 and "Delete client Lone Client?" in page.text
    assert f'action="/app/clients/{client_id}/delete"' in page.text
    response = browser.post(f"/app/clients/{client_id}/delete")
    assert response.status_code == 303 and response.headers["Location"].endswith("/app/clients")
    with app.app_context():
        assert db.session.get(Client, client_id) is None
        row = db.session.execute(db.select(Activity).where(Activity.verb == "client.deleted")).scalar_one()
        assert "Lone Client" in row.summary


def test_delete_link_asks_with_hx_confirm(app):
    browser, ids = _operator(app)
    page = browser.get(f"/app/clients/{ids['client']}").text
    assert f'href="/app/clients/{ids["client"]}/delete"' in page
    assert f'hx-post="/app/clients/{ids["client"]}/delete"' in page and 'hx-confirm="Delete client' in page


def test_client_with_projects_is_not_deleted_and_says_why(app):
    browser, ids = _operator(app)
    response = browser.post(f"/app/clients/{ids['client']}/delete", headers=HX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].endswith(f"/app/clients/{ids['client']}/delete")
    page = browser.get(f"/app/clients/{ids['client']}/delete").text
    assert "Casey Client has 1 project." in page and "Archive it instead" in page
    assert 'method="post"' not in page.split("<main", 1)[-1].split("Archive it instead")[0]
    with app.app_context():
        assert db.session.get(Client, ids["client"]) is not None
    assert "client.deleted" not in _verbs(app)


def test_project_with_an_invoice_is_kept(app):
    browser, ids = _operator(app)
    with app.app_context():
        _invoice(ids["org"], ids["client"], ids["project"])
    response = browser.post(f"/app/projects/{ids['project']}/delete")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/projects/{ids['project']}/delete")
    assert "It has 1 invoice." in browser.get(response.headers["Location"]).text
    with app.app_context():
        assert db.session.get(Project, ids["project"]) is not None


def test_project_with_a_decision_receipt_is_kept(app):
    browser, ids = _operator(app)
    with app.app_context():
        deliverable = db.session.get(Deliverable, ids["deliverable"])
        deliverable.approval_status, deliverable.decided_at = "approved", datetime.now(UTC)
        db.session.commit()
    browser.post(f"/app/projects/{ids['project']}/delete")
    page = browser.get(f"/app/projects/{ids['project']}/delete").text
    assert "decision receipts are kept" in page
    browser.post(f"/app/deliverables/{ids['deliverable']}/delete")
    assert "the receipt is kept" in browser.get(f"/app/deliverables/{ids['deliverable']}/delete").text
    with app.app_context():
        assert db.session.get(Deliverable, ids["deliverable"]) is not None


def test_deleting_a_project_removes_its_files_from_storage(app):
    browser, ids = _operator(app)
    with app.app_context():
        file = store(db.session.get(Project, ids["project"]), "pier.png", png_bytes(), "image/png")
        key = file.storage_key
        assert get_storage().exists(key)
    response = browser.post(f"/app/projects/{ids['project']}/delete")
    assert response.status_code == 303 and response.headers["Location"].endswith("/app/projects")
    with app.app_context():
        assert db.session.get(Project, ids["project"]) is None
        assert db.session.execute(db.select(StoredFile)).first() is None
        assert not get_storage().exists(key)
        row = db.session.execute(db.select(Activity).where(Activity.verb == "project.deleted")).scalar_one()
        assert row.project_id is None and "Harbour shoot" in row.summary


def test_deleting_a_deliverable_keeps_its_files_in_the_project(app):
    browser, ids = _operator(app)
    with app.app_context():
        deliverable = db.session.get(Deliverable, ids["deliverable"])
        file_id = store(deliverable.project, "pier.png", png_bytes(), "image/png", deliverable).id
    response = browser.post(f"/app/deliverables/{ids['deliverable']}/delete", headers=HX)
    assert response.status_code == 204 and f"/app/projects/{ids['project']}" in response.headers["HX-Redirect"]
    with app.app_context():
        assert db.session.get(Deliverable, ids["deliverable"]) is None
        assert db.session.get(StoredFile, file_id).deliverable_id is None
    assert "deliverable.deleted" in _verbs(app)


def test_archived_deliverable_folds_away_on_the_project_page(app):
    browser, ids = _operator(app)
    assert browser.post(f"/app/deliverables/{ids['deliverable']}/archive").status_code == 303
    page = browser.get(f"/app/projects/{ids['project']}").text
    folded = page.split('<details class="archived-deliverables">', 1)
    assert len(folded) == 2 and f'id="deliverable-{ids["deliverable"]}"' in folded[1]
    assert f'id="deliverable-{ids["deliverable"]}"' not in folded[0] and "No deliverables yet" in folded[0]
    assert f'action="/app/deliverables/{ids["deliverable"]}/restore"' in folded[1]


@pytest.mark.parametrize("status", ["accepted", "declined"])
def test_answered_proposal_is_kept_draft_is_deleted(app, status):
    browser, ids = _operator(app)
    with app.app_context():
        answered = _proposal(ids["org"], ids["client"], status=status, decided_at=datetime.now(UTC), number="P-1")
        draft = _proposal(ids["org"], ids["client"], number="P-2")
    browser.post(f"/app/proposals/{answered}/delete")
    assert "the signed record is kept" in browser.get(f"/app/proposals/{answered}/delete").text
    assert browser.post(f"/app/proposals/{draft}/delete").status_code == 303
    with app.app_context():
        assert db.session.get(Proposal, answered) is not None and db.session.get(Proposal, draft) is None


def test_file_delete_survives_a_storage_failure(app, monkeypatch, caplog):
    browser, ids = _operator(app)
    with app.app_context():
        file = store(db.session.get(Project, ids["project"]), "pier.png", png_bytes(), "image/png")
        file_id, key = file.id, file.storage_key
        storage_type = type(get_storage())

    def broken(self, key):
        raise OSError("disk gone")

    monkeypatch.setattr(storage_type, "delete", broken)
    with caplog.at_level(logging.ERROR):
        response = browser.post(f"/app/files/{file_id}/delete")
    assert response.status_code == 303
    assert any(key in record.getMessage() for record in caplog.records)
    with app.app_context():
        assert db.session.get(StoredFile, file_id) is None


def test_file_delete_removes_the_stored_bytes(app):
    browser, ids = _operator(app)
    with app.app_context():
        file = store(db.session.get(Project, ids["project"]), "pier.png", png_bytes(), "image/png")
        file_id, key = file.id, file.storage_key
    assert browser.post(f"/app/files/{file_id}/delete").status_code == 303
    with app.app_context():
        assert not get_storage().exists(key)


def test_foreign_organization_cannot_archive_or_delete(app):
    _browser, ids = _operator(app)
    with app.app_context():
        other = make_org("Other")
        outsider = login(app.test_client(), make_user(other), other)
    for path in (f"/app/projects/{ids['project']}/archive", f"/app/clients/{ids['client']}/delete"):
        assert outsider.post(path).status_code == 404
    assert outsider.get(f"/app/projects/{ids['project']}/delete").status_code == 404
    with app.app_context():
        assert db.session.get(Project, ids["project"]).archived_at is None


def test_archived_items_disappear_from_the_portal(app):
    with app.app_context():
        world = make_world(app, slug="archive-portal")
        proposal_id = _proposal(world.org.id, world.project.client_id, status="sent", number="P-9", title="Offer nine")
        slug, project_id, review_id, image_id = world.org.slug, world.project.id, world.review.id, world.image.id
        browser = world.browser
        user = make_user(world.org)
        operator = login(app.test_client(), user, world.org)
    assert browser.get(f"/portal/{slug}/proposals/{proposal_id}").status_code == 200
    card = f'id="deliverable-{review_id}"'
    assert card in browser.get(f"/portal/{slug}/projects/{project_id}").text

    download = f"/portal/{slug}/files/{image_id}"
    assert browser.get(download).status_code in (200, 302)

    operator.post(f"/app/deliverables/{review_id}/archive")
    page = browser.get(f"/portal/{slug}/projects/{project_id}").text
    assert card not in page
    # Its files leave with it: not listed among the project's other files, not downloadable.
    assert "pier.png" not in page
    assert browser.get(download).status_code == 404
    assert browser.get(f"/portal/{slug}/deliverables/{review_id}/zip").status_code == 404

    operator.post(f"/app/proposals/{proposal_id}/archive")
    assert browser.get(f"/portal/{slug}/proposals/{proposal_id}").status_code == 404
    assert "Offer nine" not in browser.get(f"/portal/{slug}/proposals").text

    operator.post(f"/app/projects/{project_id}/archive")
    assert browser.get(f"/portal/{slug}/projects/{project_id}").status_code == 404
    assert "Harbour shoot" not in browser.get(f"/portal/{slug}/projects").text

    operator.post(f"/app/projects/{project_id}/restore")
    operator.post(f"/app/deliverables/{review_id}/restore")
    card = f'id="deliverable-{review_id}"'
    assert card in browser.get(f"/portal/{slug}/projects/{project_id}").text


def test_upload_then_storage_is_clean_after_project_delete(app):
    """A project's files uploaded through the dashboard are gone from storage with the project."""
    browser, ids = _operator(app)
    data = {"files": [(io.BytesIO(png_bytes()), "a.png")]}
    assert (
        browser.post(f"/app/projects/{ids['project']}/files", data=data, content_type="multipart/form-data").status_code
        == 303
    )
    with app.app_context():
        key = db.session.execute(db.select(StoredFile.storage_key)).scalar_one()
    browser.post(f"/app/projects/{ids['project']}/delete")
    with app.app_context():
        assert not get_storage().exists(key)


def test_archived_client_is_not_offered_for_new_work_but_stays_on_its_own(app):
    browser, ids = _operator(app)
    with app.app_context():
        make_client(db.session.get(Organization, ids["org"]), name="Active Annie")
        proposal_id = _proposal(ids["org"], ids["client"], ids["project"])
    assert browser.post(f"/app/projects/{ids['project']}/archive").status_code == 303
    assert browser.post(f"/app/clients/{ids['client']}/archive").status_code == 303

    for path in ("/app/projects/new", "/app/proposals/new", "/app/invoices/new"):
        page = browser.get(path).text
        assert "Active Annie</option>" in page, path
        assert "Casey Client</option>" not in page, path
        assert "Harbour shoot</option>" not in page, path
    # A project form posted with the archived client is refused; nothing is created.
    refused = browser.post("/app/projects/new", data={"name": "Sneaky", "client_id": ids["client"], "status": "draft"})
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.execute(db.select(Project).where(Project.name == "Sneaky")).scalar() is None
    # What already belongs to the archived client keeps it selected when edited.
    assert "Casey Client</option>" in browser.get(f"/app/projects/{ids['project']}/edit").text
    edit = browser.get(f"/app/proposals/{proposal_id}/edit").text
    assert "Casey Client</option>" in edit and "Harbour shoot</option>" in edit
