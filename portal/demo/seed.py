"""Seeding the demo: organizations, operators, clients and projects in every status, links and the outbox."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from portal.demo import content, versions
from portal.demo.billing import seed_billing
from portal.demo.data import (
    BUSINESS_DETAILS,
    DEMO_SLUG,
    LINKS,
    OPERATORS,
    ORGANIZATIONS,
    SECOND_SLUG,
    SHARED_CLIENT_EMAIL,
    SITES,
    site_position,
)
from portal.extensions import db
from portal.jobs import email as email_jobs
from portal.mailer import message_id, uses_smtp
from portal.models import Client, Membership, Notification, Organization, PortalLink, Project, User
from portal.models import notification as notification_status
from portal.models import project as project_status
from portal.models.base import utcnow
from portal.models.notification import TRANSPORT_LOG, TRANSPORT_SMTP
from portal.models.user import ROLE_OWNER
from portal.outbox.kinds.links import Invitation
from portal.services import media, portal_links
from portal.services.activity import Actor, record
from portal.urls import public_url_for


def seed() -> list[str]:
    """Create the demo organizations once (idempotent) and return the login and portal lines to print."""
    if db.session.execute(db.select(Organization.id).where(Organization.slug == DEMO_SLUG)).first() is None:
        # The demo's history of emails is recorded as already sent, not printed: the log stays readable.
        with email_jobs.held():
            previews = _seed_everything()
            _demo_outbox(demo_links())
        media.queue_previews(previews)
    lines = [f"operator: {email} {password}" for email, password, _n, _s, _r in OPERATORS]
    for link, code in demo_links():
        line = f"portal: {link.client_email} {public_url_for('portal.entry', token=portal_links.link_token(link))}"
        lines.append(line + (f" code: {code}" if code else ""))
    return lines


def demo_links() -> list[tuple[PortalLink, str | None]]:
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
    for notification in db.session.execute(
        db.select(Notification).where(Notification.status == notification_status.PENDING)
    ).scalars():
        notification.status, notification.attempts, notification.sent_at = notification_status.SENT, 1, now
        notification.message_id = message_id(notification.id)
        notification.transport = TRANSPORT_SMTP if uses_smtp() else TRANSPORT_LOG
    kestrel = next(link for link, _code in links if link.client_email == "survey@kestrel-civil.example")
    [bounced] = Invitation.queue(kestrel)
    bounced.status, bounced.attempts = notification_status.FAILED, 1
    bounced.last_error = "SMTP 550 5.1.1 <survey@kestrel-civil.example>: Recipient address rejected (demo)"
    db.session.commit()


def _seed_everything() -> list[int]:
    orgs = {
        slug: Organization(
            name=name,
            slug=slug,
            website=f"https://{domain}",
            contact_email=f"{mailbox}@{domain}",
            accent_color=accent,
            currency=currency,
            **BUSINESS_DETAILS.get(slug, {}),
        )
        for slug, name, domain, mailbox, accent, currency in ORGANIZATIONS
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
        ("Harbourview penthouse listing", clients[0], "Real estate", project_status.COMPLETED, -60),
        ("Harbourview marina twilight shoot", clients[0], "Aerial photography", project_status.DELIVERED, -10),
        ("Northfield array thermal inspection", clients[1], "Inspection", project_status.IN_PROGRESS, -2),
        ("Northfield site progress survey", clients[1], "Mapping / survey", project_status.SCHEDULED, 6),
        ("Riverside Festival aftermovie", clients[2], "Event", project_status.INVOICED, -30),
        ("Riverside Festival 2027 teaser", clients[2], "Aerial video", project_status.CONFIRMED, 40),
        ("Kestrel bridge deck orthomosaic", clients[3], "Mapping / survey", project_status.ON_HOLD, 3),
        ("Kestrel quarry volume estimate", clients[3], "Mapping / survey", project_status.DRAFT, 20),
        ("Harbourview rooftop garden", clients[0], "Aerial photography", project_status.CANCELLED, 15),
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
        project.site_lat, project.site_lon = site_position(name)
        if status == project_status.ON_HOLD:
            project.held_from = project_status.SCHEDULED
            project.hold_reason = "Waiting for the road authority's flight permit."
        projects.append(project)
    db.session.add_all(projects)
    db.session.flush()
    for project in projects:
        record(actor, "project.created", f"{owner.name} created {project.name}", subject=project)
    previews = content.deliverables_and_files(projects, owner)
    previews += versions.versions_and_decision(projects, owner)
    content.messages(projects, owner)
    db.session.commit()
    seed_billing(org, orgs[SECOND_SLUG], clients, projects, actor, users[OPERATORS[2][0]])
    return previews
