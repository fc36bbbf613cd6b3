"""CSV exports of the dashboard lists and a project's record as a ZIP."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.models import Invoice, InvoiceLine, Message, Proposal
from portal.services.exports import cell
from tests.conftest import login
from tests.factories import make_client, make_deliverable, make_org, make_project, make_user
from tests.portal_world import make_world

HOSTILE = ('=HYPERLINK("http://evil.example")', "+1+1", "-2+3", "@SUM(A1)")


def _rows(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize(("value", "expected"), [*((v, "'" + v) for v in HOSTILE), ("Plain", "Plain"), (None, "")])
def test_formula_cells_are_neutralised(value, expected):
    assert cell(value) == expected


def _org_with_projects(app):
    with app.app_context():
        org = make_org("Export Org")
        user = make_user(org)
        client = make_client(org, name=HOSTILE[0], company="-Minus Ltd")
        make_project(org, client, name=HOSTILE[1], status="scheduled", location="@Pier")
        make_project(org, client, name="Draft survey", status="draft")
        archived = make_project(org, client, name="Old archived job", status="completed")
        from datetime import UTC, datetime

        archived.archived_at = datetime.now(UTC)
        db.session.add(
            Proposal(org_id=org.id, client_id=client.id, number="P-0007", title="=1+1", currency="EUR", lines=[])
        )
        db.session.add(
            Invoice(
                org_id=org.id,
                client_id=client.id,
                number="INV-0001",
                issue_date=date.today(),
                currency="EUR",
                status="paid",
                total_minor=145050,
                lines=[InvoiceLine(description="Flight", quantity=Decimal(1), unit_price_minor=145050)],
            )
        )
        db.session.commit()
        other = make_org("Someone Else")
        make_project(other, make_client(other, name="Foreign Client"), name="Foreign project")
        browser = login(app.test_client(), user, org)
    return browser


def test_projects_csv_follows_the_list_filters_and_is_safe(app):
    browser = _org_with_projects(app)
    response = browser.get("/app/projects/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = _rows(response)
    assert rows[0][:4] == ["ID", "Project", "Client", "Status"]
    names = {row[1] for row in rows[1:]}
    assert names == {"'+1+1", "Draft survey"}  # not the archived one, not another organization's
    hostile = next(row for row in rows[1:] if row[1] == "'+1+1")
    assert hostile[2] == "'" + HOSTILE[0] and hostile[6] == "'@Pier"
    only_scheduled = _rows(browser.get("/app/projects/export.csv?status=scheduled"))
    assert [row[1] for row in only_scheduled[1:]] == ["'+1+1"]
    searched = _rows(browser.get("/app/projects/export.csv?q=survey"))
    assert [row[1] for row in searched[1:]] == ["Draft survey"]
    archived = _rows(browser.get("/app/projects/export.csv?archived=1"))
    assert [row[1] for row in archived[1:]] == ["Old archived job"]


def test_list_pages_link_to_their_export_with_the_filters(app):
    browser = _org_with_projects(app)
    page = browser.get("/app/projects?status=scheduled&q=x").text
    assert 'href="/app/projects/export.csv?status=scheduled&amp;q=x"' in page


def test_clients_proposals_invoices_csv(app):
    browser = _org_with_projects(app)
    clients = _rows(browser.get("/app/clients/export.csv"))
    assert clients[0] == ["ID", "Name", "Email", "Company", "Projects"]
    assert [(row[1], row[3], row[4]) for row in clients[1:]] == [("'" + HOSTILE[0], "'-Minus Ltd", "3")]
    proposals = _rows(browser.get("/app/proposals/export.csv"))
    assert [(row[1], row[2]) for row in proposals[1:]] == [("P-0007", "'=1+1")]
    invoices = _rows(browser.get("/app/invoices/export.csv?status=paid"))
    assert [(row[1], row[3], row[7]) for row in invoices[1:]] == [("INV-0001", "paid", "1450.50")]
    assert _rows(browser.get("/app/invoices/export.csv?status=draft"))[1:] == []


def test_exports_need_a_login(app):
    for path in ("/app/projects/export.csv", "/app/clients/export.csv", "/app/invoices/export.csv"):
        response = app.test_client().get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_project_record_zip(app):
    with app.app_context():
        world = make_world(app, slug="export-zip")
        slug, deliverable_id, project_id = world.org.slug, world.review.id, world.project.id
        db.session.add(
            Message(project_id=project_id, sender_type="client", sender_name="Casey", body="=cmd|' /C calc'!A0")
        )
        make_deliverable(world.project, title="Planned maps")
        db.session.commit()
        operator = login(app.test_client(), make_user(world.org), world.org)
        other = make_org("Other Org")
        outsider = login(app.test_client(), make_user(other), other)
        browser = world.browser
    decided = browser.post(
        f"/portal/{slug}/deliverables/{deliverable_id}/decide",
        data={"decision": "approved", "version": 1, "name": "Casey Client"},
    )
    assert decided.status_code == 303
    assert outsider.get(f"/app/projects/{project_id}/export.zip").status_code == 404
    response = operator.get(f"/app/projects/{project_id}/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "Harbour_shoot-record.zip" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    names = set(archive.namelist())
    assert {"project.csv", "deliverables.csv", "files.csv", "messages.csv", "activity.csv", "decisions.csv"} <= names
    receipts = [name for name in names if name.startswith("receipts/")]
    assert len(receipts) == 1
    receipt = archive.read(receipts[0]).decode()
    assert "Decision: approved" in receipt and "Version: 1" in receipt and "pier.png sha256:" in receipt

    def table(name):
        data = archive.read(name)
        assert data.startswith("\ufeff".encode())
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))

    assert table("project.csv")[1][1] == "Harbour shoot"
    deliverables = {row[1]: row for row in table("deliverables.csv")[1:]}
    assert set(deliverables) == {"Stills", "SECRET-DRAFT", "Planned maps"}
    assert deliverables["Stills"][7] == "approved" and deliverables["Stills"][8] == "Casey Client"
    assert "'=cmd|' /C calc'!A0" in {row[5] for row in table("messages.csv")[1:]}
    assert {row[1] for row in table("files.csv")[1:]} == {"pier.png", "page.html", "SECRET-FILE.png"}
    assert [row[3] for row in table("decisions.csv")[1:]] == ["approved"]
    assert "deliverable.decided" in {row[4] for row in table("activity.csv")[1:]}
    page = operator.get(f"/app/projects/{project_id}").text
    assert f'href="/app/projects/{project_id}/export.zip"' in page
