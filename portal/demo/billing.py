"""The demo's proposals and invoices, and the second organization that shares a client with the first."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from portal.demo.data import SHARED_CLIENT_EMAIL, SITES, site_position
from portal.extensions import db
from portal.models import Client, Message, Project
from portal.models.message import SENDER_OPERATOR
from portal.models.project import IN_PROGRESS
from portal.services import invoices, proposals
from portal.services.activity import Actor, record
from portal.services.billing import LineInput


def seed_billing(org, second_org, clients, projects, actor, second_owner) -> None:
    """Proposals and invoices in every status, through the same services the dashboard uses."""
    today = date.today()
    flight = LineInput("Drone flight day (pilot + observer)", Decimal("1"), 95000, 2000)
    edit = LineInput("Photo editing and colour grading", Decimal("6"), 7500, 2000)
    survey = LineInput("Survey flight with RTK ground control", Decimal("2"), 120000, 2000)
    processing = LineInput("Orthomosaic and volume processing", Decimal("1"), 68000, 2000)

    def proposal(client, title, lines, valid_days=30, project=None):
        return proposals.DRAFTS.create(
            org,
            actor,
            client_id=client.id,
            project_id=project.id if project else None,
            title=title,
            intro=f"Our offer for {title.lower()}.",
            terms="50 % on booking, the rest on delivery. Weather days are free.",
            valid_until=today + timedelta(days=valid_days),
            lines=lines,
        )

    proposal(clients[3], "Quarry volume survey, Q1", [survey, processing])  # draft
    sent = proposal(clients[1], "Annual solar inspection programme", [survey, processing, edit])
    proposals.send_proposal(sent, actor)
    accepted = proposal(clients[2], "Festival 2027 aerial package", [flight, edit])
    proposals.send_proposal(accepted, actor)
    proposals.accept_proposal(accepted, actor, name="Tom Lindqvist")
    festival = db.session.get(Project, accepted.project_id)
    festival.location = SITES["Festival 2027 aerial package"]
    festival.site_lat, festival.site_lon = site_position("Festival 2027 aerial package")
    declined = proposal(clients[0], "Harbourview brand film", [flight, flight, edit])
    proposals.send_proposal(declined, actor)
    proposals.decline_proposal(declined, actor, reason="Budget moved to next year.", name="Alex Morgan")

    def invoice(client, project, lines, issued_days_ago, due_in_days):
        issue = today - timedelta(days=issued_days_ago)
        return invoices.DRAFTS.create(
            org,
            actor,
            client_id=client.id,
            project_id=project.id,
            issue_date=issue,
            due_date=issue + timedelta(days=due_in_days),
            notes="Thank you for flying with us.",
            payment_url="https://pay.skyline-drones.example/demo",
            lines=lines,
        )

    invoice(clients[0], projects[1], [flight, edit], 0, 14)  # draft
    sent_invoice = invoice(clients[2], projects[4], [flight, flight, edit], 5, 30)
    invoices.send_invoice(sent_invoice, actor)
    overdue = invoice(clients[1], projects[2], [survey], 45, 14)
    invoices.send_invoice(overdue, actor)
    paid = invoice(clients[0], projects[0], [flight, edit], 60, 14)
    invoices.send_invoice(paid, actor)
    invoices.mark_paid(paid, actor)
    void = invoice(clients[3], projects[6], [processing], 20, 14)
    invoices.void_invoice(void, actor)

    # The second organization shares one client email with the first.
    shared = Client(org_id=second_org.id, email=SHARED_CLIENT_EMAIL, name="Alex Morgan", company="Harbourview Living")
    db.session.add(shared)
    db.session.flush()
    studio = Actor.operator(second_owner)
    project = Project(
        org_id=second_org.id,
        client_id=shared.id,
        name="Harbourview brand identity",
        type="Other",
        status=IN_PROGRESS,
        start_date=today - timedelta(days=5),
        end_date=today + timedelta(days=20),
        description="Logo, colours and launch photography.",
        location=SITES["Harbourview brand identity"],
    )
    project.site_lat, project.site_lon = site_position("Harbourview brand identity")
    db.session.add(project)
    db.session.flush()
    record(studio, "project.created", f"{second_owner.name} created {project.name}", subject=project)
    db.session.add(
        Message(
            project_id=project.id,
            sender_type=SENDER_OPERATOR,
            sender_name=second_owner.name,
            sender_email=second_owner.email,
            sender_user_id=second_owner.id,
            body="First logo sketches arrive on Monday.",
        )
    )
    db.session.commit()
