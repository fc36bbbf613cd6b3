"""Progress emails batched by a real worker, and the signed proposal's PDF attachment over real SMTP."""

from __future__ import annotations

import subprocess
from datetime import date, timedelta

from portal.extensions import db
from portal.models import Notification, Project
from portal.services import projects, proposals
from portal.services.activity import Actor
from tests.factories import make_client, make_link, make_org, make_project, new_proposal, priced
from tests.integration.mail_stack import body_text, wait_for
from tests.integration.test_email_delivery import make_stack  # noqa: F401  (the fixture)

OPERATOR = Actor("operator", "Maya", None)


def _project(status: str = "confirmed") -> tuple[int, int]:
    org = make_org("Skyline Drone Works", business_address="Fjordgata 12\n3015 Drammen", tax_id="NO 912 345 678 MVA")
    customer = make_client(org, email="alex@harbourview.example", name="Alex Morgan")
    project = make_project(
        org, customer, name="Kestrel bridge", status=status, start_date=date(2027, 3, 8), end_date=date(2027, 3, 10)
    )
    make_link(org, customer, project)
    return org.id, project.id


def test_scheduled_then_in_the_field_within_the_window_is_one_email(make_stack):  # noqa: F811
    stack = make_stack(EMAIL_BATCH_SECONDS=2)
    with stack.app.app_context():
        _org_id, project_id = _project()
        for status in ("scheduled", "in_progress"):
            projects.change_status(db.session.get(Project, project_id), OPERATOR, status)
        assert db.session.execute(db.select(db.func.count(Notification.id))).scalar() == 1
        db.session.remove()
    message = stack.send_only_email("the progress email")["message"]
    assert message["Subject"] == "Kestrel bridge: work in the field has started"
    text = body_text(message)
    assert "now in the field" in text and "is scheduled" not in text


def test_the_signed_copy_arrives_as_a_pdf_attachment(make_stack, tmp_path):  # noqa: F811
    stack = make_stack()
    with stack.app.app_context():
        org_id, project_id = _project()
        project = db.session.get(Project, project_id)
        proposal = new_proposal(
            org_id,
            project.client_id,
            "P-0031",
            "Bridge inspection",
            status="sent",
            valid_until=date.today() + timedelta(days=10),
        )
        priced(proposal, "Flight day", 1, 60000)
        db.session.add(proposal)
        db.session.commit()
        proposals.accept_proposal(
            proposal, Actor("client", "alex@harbourview.example"), name="Alex J. Morgan", ip="203.0.113.7"
        )
        db.session.remove()
    stack.worker()
    with stack.app.app_context():
        wait_for(
            lambda: any(d["message"]["To"] == "alex@harbourview.example" for d in stack.inbox.delivered),
            what="the signed copy",
        )
    message = next(d["message"] for d in stack.inbox.delivered if d["message"]["To"] == "alex@harbourview.example")
    assert message["Subject"] == "Your signed copy of proposal P-0031: Bridge inspection"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "P-0031-signed.pdf" and attachment.get_content_type() == "application/pdf"
    path = tmp_path / "signed.pdf"
    path.write_bytes(attachment.get_content())
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("Alex J. Morgan", "203.0.113.7", "P-0031", "Fjordgata 12", "NO 912 345 678 MVA"):
        assert expected in text, expected
