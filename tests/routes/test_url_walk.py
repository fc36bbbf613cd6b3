"""Walk every dashboard URL: anonymous → login, another org → 404, GET never changes state."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    Decision,
    Invitation,
    InvoiceLine,
    Message,
    Notification,
    PortalLink,
    ProposalLine,
    StoredFile,
    Upload,
)
from portal.storage import get_storage, new_key
from tests.conftest import login
from tests.factories import make_client, make_deliverable, make_org, make_project, make_user, new_invoice, new_proposal

# Rules under the dashboard that take no object id and need no org-specific check.
ID_ARGS = (
    "client_id",
    "project_id",
    "deliverable_id",
    "file_id",
    "message_id",
    "proposal_id",
    "invoice_id",
    "link_id",
    "notification_id",
    "member_id",
    "membership_id",
    "invitation_id",
    "public_id",
    "decision_id",
)


def _dashboard_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("dashboard.")]


def _world():
    """One organization with one of everything, plus an operator of another organization."""
    org = make_org("Walk Org")
    owner = make_user(org)
    client = make_client(org)
    project = make_project(org, client)
    deliverable = make_deliverable(project)
    saved = get_storage().save(io.BytesIO(b"%PDF-1.4 walk"), new_key("walk", "pdf"), "application/pdf")
    stored = StoredFile(
        project_id=project.id,
        deliverable_id=deliverable.id,
        filename="walk.pdf",
        content_type="application/pdf",
        size=saved.size,
        sha256=saved.sha256,
        storage_key=saved.key,
    )
    message = Message(project_id=project.id, sender_type="operator", sender_name="Op", body="hello")
    line = {"description": "Flight", "quantity": Decimal(1), "unit_price_minor": 10000}
    proposal = new_proposal(org.id, client.id, "P-0001", lines=[ProposalLine(**line)])
    invoice = new_invoice(org.id, client.id, "INV-0001", issue_date=date.today(), lines=[InvoiceLine(**line)])
    link = PortalLink(
        org_id=org.id,
        client_id=client.id,
        project_id=project.id,
        client_email=client.email,
        token_hash="0" * 64,
        token_nonce="n",
    )
    notification = Notification(org_id=org.id, to_email=client.email, kind="test", subject="Hi")
    invitation = Invitation(
        org_id=org.id,
        email="invited@example.com",
        role="member",
        invited_by_name="Op",
        token_nonce="n",
        token_hash="1" * 64,
        expires_at=datetime.now(UTC) + timedelta(days=7),
    )
    upload = Upload(
        public_id="walk-upload",
        org_id=org.id,
        project_id=project.id,
        filename="walk.bin",
        size=10,
        part_size=10,
        storage_key="walk/upload.bin",
        backend_upload_id="0" * 32,
    )
    db.session.add_all([stored, message, proposal, invoice, link, notification, invitation, upload])
    decision = Decision(deliverable_id=deliverable.id, version=1, decision="approved", email=client.email, files=[])
    db.session.add(decision)
    db.session.commit()
    other_org = make_org("Other Org")
    outsider = make_user(other_org)
    ids = {
        "client_id": client.id,
        "project_id": project.id,
        "deliverable_id": deliverable.id,
        "file_id": stored.id,
        "message_id": message.id,
        "proposal_id": proposal.id,
        "invoice_id": invoice.id,
        "link_id": link.id,
        "notification_id": notification.id,
        "member_id": owner.memberships[0].id,
        "membership_id": owner.memberships[0].id,
        "invitation_id": invitation.id,
        "public_id": upload.public_id,
        "number": 1,
        "decision_id": decision.id,
        "kind": "preview",
    }
    return org, owner, other_org, outsider, ids


def _url(app, rule, ids):
    unknown = [arg for arg in rule.arguments if arg not in ids]
    if unknown:
        pytest.fail(f"{rule.endpoint}: teach test_url_walk the argument(s) {unknown}")
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{arg: ids[arg] for arg in rule.arguments})


def _snapshot():
    """Every row of every table, to prove a request changed nothing."""
    state = {}
    for table in db.metadata.sorted_tables:
        state[table.name] = sorted(tuple(map(str, row)) for row in db.session.execute(select(table)).all())
    db.session.rollback()
    return state


def test_every_dashboard_url(app, ctx):
    org, owner, other_org, outsider, ids = _world()
    rules = _dashboard_rules(app)
    assert len(rules) > 10
    anonymous = app.test_client()
    insider = login(app.test_client(), owner, org)
    foreigner = login(app.test_client(), outsider, other_org)
    checked_foreign = 0
    for rule in rules:
        url = _url(app, rule, ids)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = anonymous.open(url, method=method)
            assert response.status_code in (302, 303), f"anonymous {method} {url}"
            assert "/login" in response.headers["Location"], url
            if any(arg in ID_ARGS for arg in rule.arguments):
                before = _snapshot()
                response = foreigner.open(url, method=method, data={})
                assert response.status_code == 404, (
                    f"foreign {method} {url} gave {response.status_code} {response.headers.get('Location')}"
                )
                assert _snapshot() == before, f"foreign {method} {url} changed state"
                checked_foreign += 1
        if "GET" in rule.methods:
            before = _snapshot()
            response = insider.get(url)
            assert response.status_code < 500, f"GET {url} gave {response.status_code}"
            # Lists read a search, a status and a page from the query string: odd values never break a page.
            for query in ("?q=%25_%5C&page=2&status=nope", "?page=-1&q=" + "x" * 300, f"?project={ids['project_id']}"):
                response = insider.get(url + query)
                assert response.status_code < 500, f"GET {url}{query} gave {response.status_code}"
            assert _snapshot() == before, f"GET {url} changed state"
    assert checked_foreign > 5
