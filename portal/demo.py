"""Demo data: a drone operator with clients, projects in every status, files, proposals and invoices."""

from __future__ import annotations

import io
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from portal.extensions import db
from portal.jobs import email as email_jobs
from portal.mailer import message_id, uses_smtp
from portal.models import (
    Client,
    Deliverable,
    Membership,
    Message,
    Notification,
    Organization,
    PortalLink,
    Project,
    StoredFile,
    User,
)
from portal.models.base import utcnow
from portal.models.notification import TRANSPORT_LOG, TRANSPORT_SMTP
from portal.models.user import ROLE_MEMBER, ROLE_OWNER
from portal.outbox.kinds.links import Invitation
from portal.services import portal_links
from portal.services.activity import Actor, record
from portal.storage import get_storage, new_key
from portal.urls import public_url_for

DEMO_SLUG = "skyline-drone-works"
SECOND_SLUG = "lumen-creative-studio"
OPERATORS = [
    # (email, password, name, org slug, role)
    ("owner@skyline-drones.example", "skyline-demo-2026", "Maya Okafor", DEMO_SLUG, ROLE_OWNER),
    ("pilot@skyline-drones.example", "skyline-pilot-2026", "Jonas Berg", DEMO_SLUG, ROLE_MEMBER),
    ("studio@lumen-creative.example", "lumen-demo-2026", "Ines Duarte", SECOND_SLUG, ROLE_OWNER),
]
SHARED_CLIENT_EMAIL = "alex.morgan@harbourview.example"

# Where each demo project flies: the site its name promises, with its latitude and longitude (WGS 84, decimal
# degrees) at the end of the text, as projects have no coordinate fields.
SITES = {
    "Harbourview penthouse listing": "Harbourview Residences, Aker Brygge, Oslo (59.9103, 10.7275)",
    "Harbourview marina twilight shoot": "Harbourview Marina, Tjuvholmen, Oslo (59.9071, 10.7208)",
    "Harbourview rooftop garden": "Harbourview Residences roof terrace, Aker Brygge, Oslo (59.9106, 10.7281)",
    "Northfield array thermal inspection": "Northfield Solar Park, array B, Nannestad (60.2174, 11.0123)",
    "Northfield site progress survey": "Northfield Solar Park, extension plot 7, Nannestad (60.2201, 11.0187)",
    "Riverside Festival aftermovie": "Riverside Park festival grounds, Akerselva, Oslo (59.9226, 10.7520)",
    "Riverside Festival 2027 teaser": "Riverside Park main stage, Akerselva, Oslo (59.9231, 10.7534)",
    "Kestrel bridge deck orthomosaic": "Kestrel Bridge over the Drammenselva, Drammen (59.7439, 10.2046)",
    "Kestrel quarry volume estimate": "Kestrel Quarry, north pit, Lier (59.7925, 10.2548)",
    "Festival 2027 aerial package": "Riverside Park festival grounds, Akerselva, Oslo (59.9226, 10.7520)",
    "Harbourview brand identity": "Harbourview Living showroom, Bjørvika, Oslo (59.9076, 10.7530)",
}


# (org slug, client email, project name or None for a client-wide link, access code or None)
LINKS = [
    (DEMO_SLUG, SHARED_CLIENT_EMAIL, "Harbourview marina twilight shoot", "246810"),
    (DEMO_SLUG, "ops@northfield-solar.example", None, None),
    (DEMO_SLUG, "survey@kestrel-civil.example", "Kestrel bridge deck orthomosaic", "135790"),
    (SECOND_SLUG, SHARED_CLIENT_EMAIL, "Harbourview brand identity", "975310"),
]


def seed() -> list[str]:
    """Create the demo organizations once (idempotent) and return the login and portal lines to print."""
    if db.session.execute(db.select(Organization.id).where(Organization.slug == DEMO_SLUG)).first() is None:
        # The demo's history of emails is recorded as already sent, not printed: the log stays readable.
        with email_jobs.held():
            _seed_everything()
            _demo_outbox(_demo_links())
    lines = [f"operator: {email} {password}" for email, password, _n, _s, _r in OPERATORS]
    for link, code in _demo_links():
        line = f"portal: {link.client_email} {public_url_for('portal.entry', token=portal_links.link_token(link))}"
        lines.append(line + (f" code: {code}" if code else ""))
    return lines


def _demo_links() -> list[tuple[PortalLink, str | None]]:
    """The demo's portal links, made on the first run and found again on later ones."""
    found = []
    for slug, email, project_name, code in LINKS:
        org = db.session.execute(db.select(Organization).where(Organization.slug == slug)).scalar_one()
        project = None
        if project_name:
            project = db.session.execute(
                db.select(Project).where(Project.org_id == org.id, Project.name == project_name)
            ).scalar_one()
        client = db.session.execute(
            db.select(Client).where(Client.org_id == org.id, Client.email == email)
        ).scalar_one()
        query = db.select(PortalLink).where(PortalLink.org_id == org.id, PortalLink.client_email == email)
        query = query.where(PortalLink.project_id == project.id if project else PortalLink.project_id.is_(None))
        link = db.session.execute(query.order_by(PortalLink.id)).scalars().first()
        if link is None:
            owner = (
                db.session.execute(
                    db.select(User).join(Membership).where(Membership.org_id == org.id, Membership.role == ROLE_OWNER)
                )
                .scalars()
                .first()
            )
            link = portal_links.create_link(
                org.id,
                Actor.operator(owner),
                client=client,
                project=project,
                email=email,
                code_mode="typed" if code else "none",
                typed_code=code,
            ).link
        found.append((link, code))
    return found


def _demo_outbox(links) -> None:
    """Mark the emails of the demo's history as sent, and leave one bounced invitation to retry."""
    now = datetime.now(UTC)
    for notification in db.session.execute(db.select(Notification).where(Notification.status == "pending")).scalars():
        notification.status, notification.attempts, notification.sent_at = "sent", 1, now
        notification.message_id = message_id(notification.id)
        notification.transport = TRANSPORT_SMTP if uses_smtp() else TRANSPORT_LOG
    kestrel = next(link for link, _code in links if link.client_email == "survey@kestrel-civil.example")
    [bounced] = Invitation.queue(kestrel)
    bounced.status, bounced.attempts = "failed", 1
    bounced.last_error = "SMTP 550 5.1.1 <survey@kestrel-civil.example>: Recipient address rejected (demo)"
    db.session.commit()


def _seed_everything() -> None:
    orgs = {
        DEMO_SLUG: Organization(
            name="Skyline Drone Works",
            slug=DEMO_SLUG,
            website="https://skyline-drones.example",
            contact_email="hello@skyline-drones.example",
            accent_color="#0f766e",
            currency="EUR",
            business_address="Tollbugata 7\n3044 Drammen\nNorway",
            tax_id="NO 912 345 678 MVA",
            payment_instructions="DNB Bank ASA, Skyline Drone Works AS\nIBAN NO93 8601 1117 947 · BIC DNBANOKK\n"
            "Please quote the invoice number.",
        ),
        SECOND_SLUG: Organization(
            name="Lumen Creative Studio",
            slug=SECOND_SLUG,
            website="https://lumen-creative.example",
            contact_email="studio@lumen-creative.example",
            accent_color="#7c3aed",
            currency="GBP",
        ),
    }
    db.session.add_all(orgs.values())
    db.session.flush()
    users = {}
    for email, password, name, slug, role in OPERATORS:
        user = users.get(email) or User(email=email, name=name, email_verified_at=utcnow())
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
        users[email] = user
        db.session.add(Membership(user_id=user.id, org_id=orgs[slug].id, role=role))
        user.last_org_id = user.last_org_id or orgs[slug].id
    org = orgs[DEMO_SLUG]
    owner = users[OPERATORS[0][0]]
    actor = Actor.operator(owner)
    clients = [
        Client(org_id=org.id, email=SHARED_CLIENT_EMAIL, name="Alex Morgan", company="Harbourview Properties"),
        Client(org_id=org.id, email="ops@northfield-solar.example", name="Priya Shah", company="Northfield Solar"),
        Client(
            org_id=org.id, email="events@riverside-festival.example", name="Tom Lindqvist", company="Riverside Festival"
        ),
        Client(org_id=org.id, email="survey@kestrel-civil.example", name="Hannah Weiss", company="Kestrel Civil"),
    ]
    db.session.add_all(clients)
    db.session.flush()
    today = date.today()
    plan = [
        ("Harbourview penthouse listing", clients[0], "Real estate", "completed", -60),
        ("Harbourview marina twilight shoot", clients[0], "Aerial photography", "delivered", -10),
        ("Northfield array thermal inspection", clients[1], "Inspection", "in_progress", -2),
        ("Northfield site progress survey", clients[1], "Mapping / survey", "scheduled", 6),
        ("Riverside Festival aftermovie", clients[2], "Event", "invoiced", -30),
        ("Riverside Festival 2027 teaser", clients[2], "Aerial video", "confirmed", 40),
        ("Kestrel bridge deck orthomosaic", clients[3], "Mapping / survey", "on_hold", 3),
        ("Kestrel quarry volume estimate", clients[3], "Mapping / survey", "draft", 20),
        ("Harbourview rooftop garden", clients[0], "Aerial photography", "cancelled", 15),
    ]
    projects = []
    for name, client, kind, status, offset in plan:
        project = Project(
            org_id=org.id,
            client_id=client.id,
            name=name,
            type=kind,
            status=status,
            start_date=today + timedelta(days=offset),
            end_date=today + timedelta(days=offset + 2),
            location=SITES[name],
            description=f"{kind} for {client.company}.",
        )
        if status == "on_hold":
            project.held_from = "scheduled"
            project.hold_reason = "Waiting for the road authority's flight permit."
        projects.append(project)
    db.session.add_all(projects)
    db.session.flush()
    for project in projects:
        record(
            org.id,
            actor,
            "project.created",
            f"{owner.name} created {project.name}",
            project_id=project.id,
            subject=project,
        )
    _deliverables_and_files(projects, owner)
    _messages(projects, owner)
    db.session.commit()
    _billing(org, orgs[SECOND_SLUG], clients, projects, actor, users[OPERATORS[2][0]])


def _deliverables_and_files(projects: list[Project], owner: User) -> None:
    storage = get_storage()
    marina, thermal, penthouse = projects[1], projects[2], projects[0]
    specs = [
        (penthouse, "Listing photo set", "photos", "JPEG, 6000×4000", "approved", True, 2),
        (marina, "Twilight stills", "photos", "JPEG, 6000×4000", "pending", True, 3),
        (marina, "Marina fly-through", "video", "MP4 4K 30p", "pending", True, 0),
        (thermal, "Thermal anomaly report", "inspection_report", "PDF", "pending", False, 0),
    ]
    for project, title, kind, fmt, approval, visible, images in specs:
        deliverable = Deliverable(
            project_id=project.id,
            title=title,
            type=kind,
            format=fmt,
            status="ready" if visible else "in_progress",
            client_visible=visible,
            approval_status=approval,
        )
        db.session.add(deliverable)
        db.session.flush()
        payloads = [
            (f"{title.lower().replace(' ', '-')}-{n + 1}.jpg", "image/jpeg", _demo_photo(project.id * 10 + n))
            for n in range(images)
        ]
        if kind == "inspection_report":
            payloads.append(("thermal-anomaly-report.pdf", "application/pdf", _demo_pdf(project.name)))
        for filename, content_type, data in payloads:
            saved = storage.save(
                io.BytesIO(data),
                new_key(f"org/{project.org_id}/project/{project.id}", filename.rsplit(".", 1)[1]),
                content_type,
            )
            db.session.add(
                StoredFile(
                    project_id=project.id,
                    deliverable_id=deliverable.id,
                    filename=filename,
                    content_type=content_type,
                    size=saved.size,
                    sha256=saved.sha256,
                    storage_key=saved.key,
                    client_visible=visible,
                    uploaded_by_label=owner.name,
                    uploaded_by_user_id=owner.id,
                )
            )


def _messages(projects: list[Project], owner: User) -> None:
    marina = projects[1]
    client = db.session.get(Client, marina.client_id)
    thread = [
        ("operator", owner.name, "The twilight stills are ready for your review — three selects attached."),
        ("client", client.name, "They look stunning! Could we see one more angle of the east pier?"),
        ("operator", owner.name, "Of course, we will add it with the fly-through on Friday."),
    ]
    for sender_type, name, body in thread:
        db.session.add(
            Message(
                project_id=marina.id,
                sender_type=sender_type,
                sender_name=name,
                sender_email=client.email if sender_type == "client" else owner.email,
                sender_user_id=owner.id if sender_type == "operator" else None,
                body=body,
            )
        )


def _billing(org, second_org, clients, projects, actor, second_owner) -> None:
    """Proposals and invoices in every status, through the same services the dashboard uses."""
    from portal.services import invoices, proposals
    from portal.services.billing import LineInput

    today = date.today()
    flight = LineInput("Drone flight day (pilot + observer)", Decimal("1"), 95000, 2000)
    edit = LineInput("Photo editing and colour grading", Decimal("6"), 7500, 2000)
    survey = LineInput("Survey flight with RTK ground control", Decimal("2"), 120000, 2000)
    processing = LineInput("Orthomosaic and volume processing", Decimal("1"), 68000, 2000)

    def proposal(client, title, lines, valid_days=30, project=None):
        return proposals.create_proposal(
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
    db.session.get(Project, accepted.project_id).location = SITES["Festival 2027 aerial package"]
    declined = proposal(clients[0], "Harbourview brand film", [flight, flight, edit])
    proposals.send_proposal(declined, actor)
    proposals.decline_proposal(declined, actor, reason="Budget moved to next year.", name="Alex Morgan")

    def invoice(client, project, lines, issued_days_ago, due_in_days):
        issue = today - timedelta(days=issued_days_ago)
        return invoices.create_invoice(
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
        status="in_progress",
        start_date=today - timedelta(days=5),
        end_date=today + timedelta(days=20),
        description="Logo, colours and launch photography.",
        location=SITES["Harbourview brand identity"],
    )
    db.session.add(project)
    db.session.flush()
    record(
        second_org.id,
        studio,
        "project.created",
        f"{second_owner.name} created {project.name}",
        project_id=project.id,
        subject=project,
    )
    db.session.add(
        Message(
            project_id=project.id,
            sender_type="operator",
            sender_name=second_owner.name,
            sender_email=second_owner.email,
            sender_user_id=second_owner.id,
            body="First logo sketches arrive on Monday.",
        )
    )
    db.session.commit()


def _demo_photo(seed: int) -> bytes:
    """A small generated 'aerial' JPEG: sky, water, pier and boats."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    width, height = 960, 640
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    top = (rng.randint(20, 60), rng.randint(40, 90), rng.randint(90, 150))
    bottom = (rng.randint(200, 250), rng.randint(120, 180), rng.randint(60, 120))
    for y in range(height):
        t = y / height
        draw.line([(0, y), (width, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    draw.rectangle([0, int(height * 0.62), width, height], fill=(18, 52, 86))
    draw.rectangle([int(width * 0.1), int(height * 0.58), int(width * 0.9), int(height * 0.64)], fill=(92, 72, 54))
    for _ in range(12):
        x, y = rng.randint(0, width - 40), rng.randint(int(height * 0.66), height - 20)
        draw.ellipse([x, y, x + 34, y + 12], fill=(240, 240, 235))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=78)
    return out.getvalue()


def _demo_pdf(project_name: str) -> bytes:
    """A one-page inspection report PDF."""
    from weasyprint import HTML

    html = (
        f"<h1>Thermal inspection report</h1><p>{project_name}</p>"
        "<p>Three panels in row 14 show hot spots above 12 K; see the attached orthomosaic.</p>"
    )
    return HTML(string=html).write_pdf()
