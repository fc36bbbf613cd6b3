"""Every page of both sides, in its filled, empty, error and locked states: accessibility, phones, pictures.

One tour per side walks the pages; the desktop run checks axe-core (WCAG 2.1 AA) and takes the desktop
pictures, the phone run (375 × 812) checks sideways scrolling, tap targets and the menu, and takes the
phone pictures.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal import demo
from portal.extensions import db
from portal.models import Activity, Client, Deliverable, Invoice, Project, Proposal
from tests.browser.conftest import PHONE
from tests.browser.helpers import (
    assert_accessible,
    assert_no_sideways_scroll,
    assert_tap_targets,
    emails_to,
    enter_portal,
    seed_shared_project,
    unique,
    wait_for_email,
)
from tests.factories import PASSWORD, make_client, make_link, make_org, make_project, make_user

OWNER_EMAIL, OWNER_PASSWORD = demo.OPERATORS[0][0], demo.OPERATORS[0][1]


@pytest.fixture(scope="module")
def demo_data(live_server, smtp_inbox):
    """The demo organizations (seeded once), with the ids and links the tours visit."""
    with live_server.context():
        demo.seed()
        first_org = _first_org_id()
        links = {
            link.client_email: (token_of(link), code) for link, code in demo.demo_links() if link.org_id == first_org
        }
        by_name = lambda model, name: db.session.execute(db.select(model.id).where(model.name == name)).scalar_one()  # noqa: E731
        marina = by_name(Project, "Harbourview marina twilight shoot")
        data = {
            "marina": marina,
            "on_hold": by_name(Project, "Kestrel bridge deck orthomosaic"),
            "client": by_name(Client, "Priya Shah"),
            "deliverable": db.session.execute(
                db.select(Deliverable.id).where(Deliverable.project_id == marina).order_by(Deliverable.id)
            )
            .scalars()
            .first(),
            "proposal": db.session.execute(
                db.select(Proposal.id).where(Proposal.title == "Annual solar inspection programme")
            ).scalar_one(),
            # Northfield's overdue invoice: its client-wide link shows it.
            "invoice": db.session.execute(
                db.select(Invoice.id).join(Client).where(Client.name == "Priya Shah", Invoice.status == "sent")
            ).scalar_one(),
            "links": links,
        }
        # Enough activity for a second page, so the tours see the pager.
        db.session.add_all(
            Activity(
                org_id=first_org,
                actor_type="system",
                actor_label="System",
                verb="demo.check",
                summary=f"Checked flight log {n}",
            )
            for n in range(60)
        )
        db.session.commit()
        # An organization with nothing in it yet, for the empty states.
        empty_org = make_org("Empty Skies", slug=unique("empty"))
        newcomer = make_user(empty_org, email=f"{unique('new')}@example.com", name="Nina Newcomer")
        quiet = make_client(empty_org, email=f"{unique('quiet')}@example.com", name="Quinn Quiet")
        draft = make_project(empty_org, quiet, name="First flight", status="draft")
        _link, empty_token = make_link(empty_org, quiet, draft)
        # A link that asks the client to confirm their email address first.
        careful = make_client(empty_org, email=f"{unique('careful')}@example.com", name="Cara Careful")
        _link, verify_token = make_link(
            empty_org, careful, make_project(empty_org, careful, name="Roof scan"), require_email_verification=True
        )
        data.update(
            newcomer=newcomer.email,
            empty_project=draft.id,
            empty_token=empty_token,
            verify_token=verify_token,
            verify_email=careful.email,
            smtp=smtp_inbox,
        )
        db.session.remove()
    return data


def token_of(link):
    """The link's token, derived again as the dashboard's copy button does."""
    from portal.services.portal_links import link_token

    return link_token(link)


def _first_org_id():
    from portal.models import Organization

    return db.session.execute(db.select(Organization.id).where(Organization.slug == demo.DEMO_SLUG)).scalar_one()


@pytest.fixture(scope="module")
def operator_state(live_server, browser, browser_context_args):
    """The demo owner's signed-in cookies, logged in once for every page of the module."""
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    page.goto(live_server("/login"))
    page.get_by_label("Email").fill(OWNER_EMAIL)
    page.get_by_label("Password").fill(OWNER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("header.topbar")).to_be_visible()
    state = context.storage_state()
    context.close()
    return state


def operator_tour(page, live, data):
    """Walk every operator page; yields (label, picture name or None) while the page shows that state."""
    for label, path, picture in (
        ("projects", "/app/projects", None),
        ("projects, nothing matches", "/app/projects?q=no-such-project", None),
        ("new project", "/app/projects/new", None),
        ("project", f"/app/projects/{data['marina']}", "operator-project"),
        ("project on hold", f"/app/projects/{data['on_hold']}", None),
        ("edit project", f"/app/projects/{data['marina']}/edit", None),
        ("edit deliverable", f"/app/deliverables/{data['deliverable']}/edit", None),
        ("deliverable versions", f"/app/deliverables/{data['deliverable']}/versions", "operator-versions"),
        ("new version form", f"/app/deliverables/{data['deliverable']}/versions/new", None),
        ("clients", "/app/clients", None),
        ("client", f"/app/clients/{data['client']}", None),
        ("new client", "/app/clients/new", None),
        ("proposals", "/app/proposals", None),
        ("proposal", f"/app/proposals/{data['proposal']}", None),
        ("new proposal", "/app/proposals/new", None),
        ("invoices", "/app/invoices", None),
        ("invoice", f"/app/invoices/{data['invoice']}", None),
        ("new invoice", "/app/invoices/new", None),
        ("settings", "/app/settings", None),
        ("email log", "/app/emails", "operator-emails"),
        ("email log, failed only", "/app/emails?status=failed", None),
        ("activity", "/app/activity", "operator-activity"),
        ("activity, page 2", "/app/activity?page=2", None),
        ("activity, nothing matches", "/app/activity?q=no-such-thing", None),
        ("search results", "/app/search?q=kestrel", "operator-search"),
        ("search, nothing matches", "/app/search?q=no-such-thing", None),
        ("invoices, searched", "/app/invoices?q=priya", None),
        ("not found", "/app/projects/99999999", None),
    ):
        page.goto(live(path))
        yield label, picture

    page.goto(live(f"/app/clients/{data['client']}"))
    links = page.locator("#portal-links")
    links.locator(".add-link > summary").click()
    yield "client-wide link form", None
    links.get_by_label("Use this code:").check()
    links.get_by_role("textbox", name="6-digit code").fill("12")
    links.get_by_role("button", name="Create link").click()
    expect(links.locator(".error").first).to_be_visible()
    yield "link form with errors", None
    links.get_by_label("Generate a 6-digit code").check()
    links.get_by_role("textbox", name="6-digit code").fill("")
    links.get_by_role("button", name="Create link").click()
    expect(links.locator("#revealed-code")).to_be_visible()
    yield "link created, code shown once", "operator-links"

    page.goto(live(f"/app/projects/{data['marina']}"))
    page.get_by_label("Your message").fill("")
    page.locator("#project-thread").get_by_role("button", name="Send").click()
    expect(page.locator("#project-thread .error")).to_be_visible()
    yield "project thread with an error", None

    page.goto(live("/app/settings"))
    invitee = f"{unique('invitee')}@example.com"
    page.locator("#members").get_by_label("Email").fill(invitee)
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#members")).to_contain_text("Waiting for an answer")
    yield "settings with a waiting invitation", None
    sent = wait_for_email(data["smtp"], invitee, "invited you")
    text = sent.get_body(preferencelist=("plain",)).get_content()
    data["invitation"] = re.search(r"https?://\S+/invitations/\w+", text).group(0)
    page.goto(data["invitation"])
    expect(page.get_by_text(f"This invitation is for {invitee}")).to_be_visible()
    yield "invitation for someone else", None


def newcomer_tour(page, live, data):
    """The sign-in pages, then the empty states of a brand-new organization."""
    page.goto(live("/login"))
    yield "login", None
    page.get_by_label("Email").fill(OWNER_EMAIL)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".form-error, .error").first).to_be_visible()
    yield "login with a wrong password", None
    page.goto(live("/signup"))
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".error").first).to_be_visible()
    yield "sign-up with errors", None
    page.goto(live("/forgot-password"))
    yield "forgot password", None
    page.get_by_label("Email").fill(f"{unique('nobody')}@example.com")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    yield "check your email", None
    if data.get("invitation"):
        page.goto(data["invitation"])
        expect(page.get_by_role("button", name="Create my account and join")).to_be_visible()
        yield "invitation for a new account", None

    page.goto(live("/login"))
    page.get_by_label("Email").fill(data["newcomer"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("header.topbar")).to_be_visible()
    for label, path in (
        ("empty project", f"/app/projects/{data['empty_project']}"),
        ("empty proposals", "/app/proposals"),
        ("empty invoices", "/app/invoices"),
    ):
        page.goto(live(path))
        expect(page.locator(".empty").first).to_be_visible()
        yield label, None


def client_tour(page, live, data, shared):
    """Walk every portal page; yields (label, picture name or None) while the page shows that state."""
    token, code = data["links"][demo.SHARED_CLIENT_EMAIL]
    page.goto(live(f"/p/{token}"))
    yield "access code", "portal-access-code"
    page.get_by_label("Access code").fill("000000")
    page.get_by_role("button", name="Open portal").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    yield "wrong access code", None
    page.get_by_label("Access code").fill(code)
    page.get_by_role("button", name="Open portal").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    yield "overview", "portal-overview"
    slug = demo.DEMO_SLUG
    for label, path, picture in (
        ("projects", f"/portal/{slug}/projects", None),
        ("project with stepper", f"/portal/{slug}/projects/{data['marina']}", "portal-project"),
        ("deliverable versions", f"/portal/{slug}/deliverables/{data['deliverable']}/versions", "portal-versions"),
        ("invoices", f"/portal/{slug}/invoices", None),
        ("proposals", f"/portal/{slug}/proposals", None),
        ("not found inside the portal", f"/portal/{slug}/projects/99999999", None),
    ):
        page.goto(live(path))
        yield label, picture
    page.goto(live(f"/portal/{slug}/projects/{data['marina']}"))
    card = page.locator("article.deliverable").first
    card.scroll_into_view_if_needed()
    yield "deliverable review", "portal-deliverable"
    card.get_by_text("Request revision…").click()
    yield "revision form open", None
    page.locator("#thread").scroll_into_view_if_needed()
    yield "thread", "portal-thread"
    page.get_by_label("Your message").fill("")
    page.locator("#thread").get_by_role("button", name="Send").click()
    expect(page.locator("#thread .error")).to_be_visible()
    yield "thread with an error", None

    northfield, _ = data["links"]["ops@northfield-solar.example"]
    page.goto(live(f"/p/{northfield}"))
    yield "entry without a code", None
    page.get_by_role("button", name="Open portal").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    yield "overview of a client-wide link", None
    for label, path in (
        ("proposal to answer", f"/portal/{slug}/proposals/{data['proposal']}"),
        ("unpaid invoice", f"/portal/{slug}/invoices/{data['invoice']}"),
    ):
        page.goto(live(path))
        expect(page.get_by_role("heading", level=1)).not_to_have_text("This link is not active")
        yield label, None
    menu = page.locator("#portal-menu > summary")
    if menu.is_visible():  # on a phone the sections sit behind the menu
        menu.click()
    page.get_by_role("button", name="Leave portal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have left the portal")
    yield "left the portal", None

    page.goto(live(f"/p/{data['empty_token']}"))
    page.get_by_role("button", name="Open portal").click()
    expect(page.locator(".empty").first).to_be_visible()
    yield "empty overview", None
    page.goto(live(f"/portal/{_slug_of(page)}/projects/{data['empty_project']}"))
    yield "empty project", None

    page.goto(live(f"/p/{data['verify_token']}"))
    yield "email confirmation asked", None
    earlier = len(emails_to(data["smtp"], data["verify_email"], "verification code"))
    page.get_by_role("button", name="Email me a code").click()
    expect(page.get_by_label("Code from the email")).to_be_visible()
    yield "email code sent", None
    page.get_by_label("Code from the email").fill("000000")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("alert")).to_be_visible()
    yield "wrong email code", None
    sent = wait_for_email(data["smtp"], data["verify_email"], "verification code", skip=earlier)
    code = re.search(r"\b(\d{6})\b", sent.get_body(preferencelist=("plain",)).get_content()).group(1)
    page.get_by_label("Code from the email").fill(code)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    yield "overview after confirming the email", None

    page.goto(live(f"/p/{shared.token}"))
    for _ in range(5):
        page.get_by_label("Access code").fill("999999")
        page.get_by_role("button", name="Open portal").click()
        expect(page.get_by_role("alert")).to_be_visible()
    page.get_by_label("Access code").fill("999999")
    page.get_by_role("button", name="Open portal").click()
    expect(page.get_by_role("alert")).to_contain_text("Too many wrong codes")
    yield "locked out", None
    page.goto(live("/p/no-such-link"))
    yield "link not active", None


def _slug_of(page) -> str:
    return page.url.split("/portal/", 1)[1].split("/", 1)[0]


@pytest.mark.timeout(300)
def test_every_page_is_accessible(live_server, new_page, demo_data, operator_state, screenshot):
    """axe-core reports no WCAG 2.1 AA violation on any page of either side, in any state."""
    live = live_server
    operator = new_page(storage_state=operator_state)
    for label, picture in operator_tour(operator, live, demo_data):
        assert_accessible(operator, f"operator: {label}")
        if picture:
            screenshot(operator, f"{picture}-desktop")
    newcomer = new_page()
    for label, _picture in newcomer_tour(newcomer, live, demo_data):
        assert_accessible(newcomer, f"operator: {label}")
    client = new_page()
    shared = seed_shared_project(live)
    for label, picture in client_tour(client, live, demo_data, shared):
        assert_accessible(client, f"portal: {label}")
        if picture:
            screenshot(client, f"{picture}-desktop")


def check_phone_layout(page, label: str) -> None:
    """What a phone needs: no sideways scrolling, targets a thumb can hit, the portal's sidebar folded into a menu."""
    assert_no_sideways_scroll(page, label)
    assert_tap_targets(page, label)
    if page.locator(".portal-side").count():
        expect(page.locator(".portal-sidebar-wide")).to_be_hidden()
        menu = page.locator("#portal-menu > summary")
        expect(menu).to_be_visible()
        expect(page.get_by_role("navigation", name="Portal", exact=True)).to_be_hidden()


@pytest.mark.timeout(300)
def test_every_page_fits_a_phone(live_server, new_page, demo_data, operator_state, screenshot):
    """At 375 × 812 no page scrolls sideways, every control is at least 44 px, the portal sidebar is a menu."""
    live = live_server
    phone = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 1}
    problems = []

    def check(page, label):
        try:
            check_phone_layout(page, label)
        except AssertionError as exc:  # collect every page's problems: one run shows them all
            problems.append(str(exc).splitlines()[0])

    operator = new_page(storage_state=operator_state, **phone)
    for label, picture in operator_tour(operator, live, demo_data):
        check(operator, f"operator: {label}")
        if picture:
            screenshot(operator, f"{picture}-phone")
    newcomer = new_page(**phone)
    for label, _picture in newcomer_tour(newcomer, live, demo_data):
        check(newcomer, f"operator: {label}")
    client = new_page(**phone)
    shared = seed_shared_project(live)
    for label, picture in client_tour(client, live, demo_data, shared):
        check(client, f"portal: {label}")
        if picture:
            screenshot(client, f"{picture}-phone")
    assert not problems, "\n".join(problems)


def test_portal_menu_on_a_phone(live_server, new_page):
    """On a phone the portal's sections sit behind a Menu button that opens and navigates."""
    live = live_server
    shared = seed_shared_project(live)
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    enter_portal(page, live, shared.token, shared.code)
    sections = page.get_by_role("navigation", name="Portal", exact=True)
    expect(sections).to_be_hidden()
    page.locator("#portal-menu > summary").tap()
    expect(sections).to_be_visible()
    sections.get_by_role("link", name="Projects").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Projects")
    assert_no_sideways_scroll(page, "projects, menu open")


def test_the_checks_catch_what_they_guard(live_server, new_page):
    """Guard the guards: a removed label fails axe, a wide element fails the phone check, a tiny button too."""
    live = live_server
    shared = seed_shared_project(live)
    page = new_page(viewport=PHONE)
    page.goto(live(f"/p/{shared.token}"))
    page.evaluate("document.querySelector('label[for=code]').remove()")
    with pytest.raises(AssertionError, match="label"):
        assert_accessible(page, "entry without its label")
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<div style=\"width:600px\">x</div>')"
    )
    with pytest.raises(AssertionError, match="scrolls sideways"):
        assert_no_sideways_scroll(page, "entry with a wide box")
    page.evaluate("document.querySelector('button').style.cssText = 'min-height:0;min-width:0;padding:0;height:20px'")
    with pytest.raises(AssertionError, match="under 44 px"):
        assert_tap_targets(page, "entry with a tiny button")
