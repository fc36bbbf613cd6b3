"""Every htmx endpoint answers a full page without htmx and a fragment with it, varying on HX-Request."""

import io
from datetime import date

import pytest

from portal.extensions import db
from portal.models import Invoice, Notification, Proposal, StoredFile
from portal.services import invitations
from portal.services.activity import Actor
from tests.conftest import HX, login
from tests.factories import PASSWORD, make_client, make_deliverable, make_link, make_org, make_project, make_user
from tests.samples import png_bytes

LINE = {"lines-0-description": "Flight", "lines-0-quantity": "1", "lines-0-unit_price": "100", "lines-0-tax_rate": "20"}


def _world(app, with_link: bool):
    org = make_org()
    user = make_user(org)
    customer = make_client(org)
    project = make_project(org, customer)
    deliverable = make_deliverable(project)
    client = login(app.test_client(), user, org)
    client.post(
        f"/app/projects/{project.id}/files",
        data={"files": [(io.BytesIO(png_bytes()), "a.png")]},
        content_type="multipart/form-data",
    )
    file = db.session.execute(db.select(StoredFile).where(StoredFile.project_id == project.id)).scalar_one()
    client.post("/app/proposals/new", data={"client_id": customer.id, "title": "Offer", **LINE})
    client.post("/app/invoices/new", data={"client_id": customer.id, "issue_date": date.today().isoformat(), **LINE})
    proposal = db.session.execute(db.select(Proposal).where(Proposal.org_id == org.id)).scalar_one()
    invoice = db.session.execute(db.select(Invoice).where(Invoice.org_id == org.id)).scalar_one()
    link = make_link(org, customer, project, code="123456")[0] if with_link else None
    failed = Notification(
        org_id=org.id, to_email=customer.email, kind="proposal_sent", subject="S", context={"proposal_id": proposal.id}
    )
    failed.status, failed.last_error = "failed", "SMTP 550 no such user"
    db.session.add(failed)
    member = make_user(org, role="member")
    invitation = invitations.invite(org, Actor.operator(user), "invitee@example.com", "member")
    db.session.commit()
    return client, {
        "notification": failed.id,
        "link": link.id if link else None,
        "client": customer.id,
        "project": project.id,
        "deliverable": deliverable.id,
        "file": file.id,
        "proposal": proposal.id,
        "invoice": invoice.id,
        "member": member.memberships[0].id,
        "invitation": invitation.id,
    }


# (method, url template, form data): each is an action or page that htmx swaps in place.
CASES = [
    ("GET", "/app/clients?q=a", {}),
    ("POST", "/app/clients/new", {"name": "N", "email": "n{n}@example.com"}),
    ("POST", "/app/clients/{client}/edit", {"name": "N", "email": "edited{n}@example.com"}),
    ("GET", "/app/projects?status=draft", {}),
    ("POST", "/app/projects/new", {"client_id": "{client}", "name": "P"}),
    ("POST", "/app/projects/{project}/edit", {"client_id": "{client}", "name": "P2"}),
    ("POST", "/app/projects/{project}/status", {"status": "confirmed"}),
    ("POST", "/app/projects/{project}/deliverables", {"title": "D", "type": "photos", "status": "planned"}),
    ("GET", "/app/deliverables/{deliverable}/edit", {}),
    (
        "POST",
        "/app/deliverables/{deliverable}/edit",
        {"title": "D", "type": "photos", "status": "ready", "version": "1"},
    ),
    ("POST", "/app/deliverables/{deliverable}/visibility", {"client_visible": "1"}),
    ("POST", "/app/files/{file}/attach", {"deliverable_id": "{deliverable}"}),
    ("POST", "/app/files/{file}/visibility", {"client_visible": "1"}),
    ("POST", "/app/projects/{project}/messages", {"body": "Hello"}),
    ("GET", "/app/proposals?status=draft", {}),
    ("POST", "/app/proposals/new", {"client_id": "{client}", "title": "T", **LINE}),
    ("POST", "/app/proposals/{proposal}/edit", {"client_id": "{client}", "title": "T", **LINE}),
    ("POST", "/app/proposals/{proposal}/send", {}),
    ("GET", "/app/invoices?status=draft", {}),
    ("POST", "/app/invoices/new", {"client_id": "{client}", "issue_date": "2026-11-01", **LINE}),
    ("POST", "/app/invoices/{invoice}/edit", {"client_id": "{client}", "issue_date": "2026-11-01", **LINE}),
    ("POST", "/app/invoices/{invoice}/send", {}),
    ("POST", "/app/settings", {"name": "Org", "accent_color": "#1d4ed8", "currency": "EUR"}),
    ("POST", "/app/settings/members", {"email": "m{n}@example.com", "role": "member"}),
    ("POST", "/app/settings/members/{member}/role", {"role": "owner"}),
    ("POST", "/app/settings/members/{member}/remove", {}),
    ("POST", "/app/settings/invitations/{invitation}/revoke", {}),
    ("POST", "/app/settings/password", {"current_password": PASSWORD, "new_password": "a brand new password"}),
    ("POST", "/app/settings/logo/remove", {}),
    ("POST", "/app/settings/organizations", {"org_name": "Another {n}"}),
    ("POST", "/app/projects/{project}/links", {"email": "x@example.com", "code_mode": "generate"}),
    ("POST", "/app/clients/{client}/links", {"email": "x@example.com", "code_mode": "none"}),
    ("POST", "/app/links/{link}/notify", {"notify_email": "0"}),
    ("POST", "/app/links/{link}/uploads", {"allow_uploads": "1"}),
    ("POST", "/app/links/{link}/rotate", {}),
    ("POST", "/app/links/{link}/verification", {"require_email_verification": "1"}),
    ("POST", "/app/links/{link}/invite", {}),
    ("POST", "/app/links/{link}/revoke", {}),
    ("GET", "/app/emails?status=failed", {}),
    ("GET", "/app/emails?q=example&page=2", {}),
    ("GET", "/app/projects?q=p&page=1", {}),
    ("GET", "/app/invoices?q=inv", {}),
    ("GET", "/app/proposals?q=offer&status=draft", {}),
    ("GET", "/app/activity?q=a", {}),
    ("GET", "/app/activity?project={project}&page=3", {}),
    ("POST", "/app/emails/{notification}/retry", {}),
]


@pytest.mark.parametrize("method,template,data", CASES, ids=[f"{m} {u}" for m, u, _ in CASES])
def test_full_page_and_fragment(app, ctx, method, template, data):
    for n, headers in enumerate(({}, HX)):
        client, ids = _world(
            app, with_link="{link}" in template
        )  # a fresh organization each time: actions like "send" happen once
        url = template.format(n=n, **ids)
        form = {key: value.format(n=n, **ids) for key, value in data.items()}
        response = client.open(url, method=method, data=form, headers=headers)
        assert "HX-Request" in response.headers.get("Vary", ""), (url, headers)
        if headers:
            assert response.status_code in (200, 204), (url, response.status_code)
            assert "<html" not in response.text, url
        else:
            assert response.status_code in (200, 303), (url, response.status_code)
            if response.status_code == 200:
                assert response.text.startswith("<!doctype html>"), url
