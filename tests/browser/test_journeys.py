"""The journeys people take through the app, each as a person sees it in Chromium."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.browser.conftest import LIVE_TIMEOUT_MS
from tests.browser.helpers import (
    assert_same_document,
    email_the_link,
    enter_portal,
    mark_document,
    open_as_client,
    open_as_operator,
    portal_link_in,
    seed_shared_project,
    unique,
    wait_for_email,
)
from tests.samples import pdf_bytes, png_bytes


def badge(page, key: str):
    """The count badge of a portal section in the wide sidebar."""
    return page.locator(f"#badge-{key}-wide")


def test_operator_sets_up_a_portal(live_server, new_page, smtp_inbox):
    """Journey 1: sign up, brand, client, project, deliverables, uploads with progress, visibility, a link."""
    live = live_server
    page = new_page()
    email = f"{unique('maya')}@example.com"
    page.goto(live("/signup"))
    page.get_by_label("Your name").fill("Maya Okafor")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_label("Business name").fill("Fjord Aerial")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    confirmation = wait_for_email(smtp_inbox, email, "Confirm your email to finish signing up")
    text = confirmation.get_body(preferencelist=("plain",)).get_content()
    page.goto(re.search(r"https?://\S+/confirm-email/\w+", text).group(0))
    page.get_by_role("button", name="Confirm and create my account").click()
    expect(page.get_by_text("Fjord Aerial is ready")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_label("Website").fill("https://fjord-aerial.example")
    page.get_by_label("Contact email").fill("hello@fjord-aerial.example")
    page.get_by_label("Accent colour").fill("#0f766e")
    page.get_by_role("button", name="Save branding").click()
    expect(page.locator("#flash")).to_contain_text("saved")
    page.get_by_label("Upload a logo").set_input_files(
        {"name": "logo.png", "mimeType": "image/png", "buffer": png_bytes((200, 80), (15, 118, 110))}
    )
    page.get_by_role("button", name="Upload logo").click()
    expect(page.get_by_role("img", name="Current logo of Fjord Aerial")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    page.get_by_role("link", name="New client").click()
    client_email = f"{unique('casey')}@example.com"
    page.get_by_label("Name").fill("Casey Client")
    page.get_by_label("Email").fill(client_email)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1, name="Casey Client")).to_be_visible()
    page.get_by_role("link", name="New project").click()
    page.get_by_label("Project name").fill("Harbour survey")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1, name="Harbour survey")).to_be_visible()

    for title in ("Aerial photos", "Inspection report"):
        section = page.locator("#deliverables")
        section.locator(".add-deliverable > summary").click()
        section.get_by_label("Title").fill(title)
        section.get_by_label("Status").select_option(label="Ready for review")
        section.get_by_label("Visible to the client").check()
        section.get_by_role("button", name="Add deliverable").click()
        expect(page.locator("#deliverable-list").get_by_role("heading", name=title)).to_be_visible()

    uploads = page.locator("#project-files")
    expect(page.locator("#uploader[data-mounted] .uppy-Dashboard")).to_be_visible()
    for name, mime, content, deliverable, visible in (
        ("pier.png", "image/png", png_bytes((1200, 800)), "Aerial photos", True),
        ("report.pdf", "application/pdf", pdf_bytes("Harbour inspection"), "Inspection report", False),
    ):
        uploads.get_by_label("Attach to deliverable").select_option(label=deliverable)
        uploads.get_by_label("Visible to the client").set_checked(visible)
        # Uppy sends the file in parts through the app's signing endpoints.
        uploads.locator("#uploader .uppy-Dashboard-input").first.set_input_files(
            {"name": name, "mimeType": mime, "buffer": content}
        )
        uploads.locator("#uploader .uppy-StatusBar-actionBtn--upload").click()
        # The worker checks the file; the block shows it as processing and polls until it is ready.
        # Its row's download link (an image is also in the gallery and has a comments link).
        expect(uploads.locator("tr a[href$='/download']", has_text=name)).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    # The PDF went up hidden: show it to the client now.
    uploads.get_by_role("button", name="Hidden — show report.pdf").click()
    expect(uploads.get_by_role("button", name="Visible — hide report.pdf")).to_be_visible()

    links = page.locator("#portal-links")
    links.locator(".add-link > summary").click()
    links.get_by_label("Client email").fill(client_email)
    links.get_by_label("Generate a 6-digit code").check()
    links.get_by_role("button", name="Create link").click()
    expect(links.get_by_text(f"The link was emailed to {client_email}.")).to_be_visible()
    url = links.get_by_label("Portal link", exact=True).input_value()
    code = links.locator("#revealed-code").inner_text()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/p/[\w-]{40,}", url) and re.fullmatch(r"\d{6}", code)
    links.locator(".link-copy > summary").first.click()
    expect(links.get_by_label(re.compile("Portal link for"))).to_have_value(url)

    # The invitation (ticked by default) reaches the client through the worker: the link, never the code.
    invitation = wait_for_email(smtp_inbox, client_email, "Your client portal with Fjord Aerial")
    assert portal_link_in(invitation) == url
    assert code not in invitation.get_body(preferencelist=("plain",)).get_content()
    client = new_page()
    client.goto(portal_link_in(invitation))
    client.get_by_label("Access code").fill(code)
    client.get_by_role("button", name="Open portal").click()
    expect(client.locator(".portal-name")).to_have_text("Fjord Aerial")
    expect(client.locator(".portal-brand img.portal-logo")).to_be_visible()
    expect(client.locator(".portal-side")).to_have_css("background-color", "rgb(15, 118, 110)")
    expect(client.get_by_role("link", name="Review “Aerial photos”")).to_be_visible()
    expect(client.get_by_role("link", name="Review “Inspection report”")).to_be_visible()


def test_client_reviews_in_place(live_server, new_page, smtp_inbox):
    """Journey 2: the emailed link, code, branding, stepper, badges, preview, approve, revision, message, all
    without a page load."""
    live = live_server
    shared = seed_shared_project(live)
    email_the_link(new_page(), live, shared)
    url = portal_link_in(wait_for_email(smtp_inbox, shared.client_email, f"Your client portal with {shared.org_name}"))
    assert url == live(f"/p/{shared.token}")
    page = new_page()
    page.goto(url)
    expect(page.get_by_role("heading", level=1, name=shared.org_name)).to_be_visible()
    page.get_by_label("Access code").fill(shared.code)
    page.get_by_role("button", name="Open portal").click()
    expect(page.locator(".portal-name")).to_have_text(shared.org_name)
    logo = page.locator(".portal-brand img.portal-logo")
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.naturalWidth") > 0
    expect(badge(page, "projects")).to_contain_text("2")

    page.get_by_role("link", name="Review “Aerial photos”").click()
    expect(page.get_by_role("heading", level=1, name=shared.project_name)).to_be_visible()
    expect(page.locator(".stepper li[aria-current=step]")).to_contain_text("Review")
    expect(page.locator(".stepper li.done")).to_have_count(3)

    photos = page.locator(f"#deliverable-{shared.photos_id}")
    report = page.locator(f"#deliverable-{shared.report_id}")
    thumb = photos.get_by_role("img", name="Preview of pier.png")
    expect(thumb).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    with page.context.expect_page() as preview_info:
        photos.get_by_role("link", name="View pier.png").click()
    preview = preview_info.value
    preview.wait_for_load_state()
    assert preview.evaluate("document.contentType") == "image/png"
    preview.close()

    mark_document(page)
    photos.get_by_role("button", name="Approve Aerial photos").click()
    expect(photos.locator(".badge")).to_have_text("Approved")
    expect(photos.get_by_label("Decision receipt")).to_contain_text("Approved by Casey Client")
    expect(page.locator("#flash")).to_contain_text("You approved “Aerial photos”.")
    expect(badge(page, "projects")).to_contain_text("1")

    report.get_by_text("Request revision…").click()
    report.get_by_label("What should change? (required)").fill("Please add the north pier.")
    report.get_by_role("button", name="Request revision", exact=True).click()
    expect(report.locator(".badge")).to_have_text("Revision requested")
    expect(page.locator("#thread-messages")).to_contain_text("Please add the north pier.")
    expect(badge(page, "projects")).to_have_text("")

    page.get_by_label("Your message").fill("Thanks, the photos look great!")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#thread-messages")).to_contain_text("Thanks, the photos look great!")
    expect(page.get_by_label("Your message")).to_have_value("")
    # Times read in the viewer's zone (the context runs in Europe/Berlin), not in the server's UTC.
    stamp = page.locator("#thread-messages li").last.locator("time")
    local = datetime.fromisoformat(stamp.get_attribute("datetime")).astimezone(ZoneInfo("Europe/Berlin"))
    expect(stamp).to_have_text(f"{local.day} {local:%b %Y}, {local:%H:%M}")
    assert_same_document(page)


def test_htmx_requests_show_a_loading_indicator(live_server, new_page):
    """While a request is on its way, its button shows a spinner; the answer replaces it."""
    live = live_server
    shared = seed_shared_project(live)
    page = new_page()
    open_as_client(page, live, shared)
    held = []
    page.route("**/messages", lambda route: held.append(route))
    page.get_by_label("Your message").fill("Is anyone there?")
    send = page.locator("#thread").get_by_role("button", name="Send")
    send.click()
    spinner = send.locator(".spinner")
    expect(spinner).to_be_visible()
    for _ in range(50):  # the route handler runs on the browser's next event, which may follow the spinner
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the message post never left the browser"
    held[0].continue_()
    expect(page.locator("#thread-messages")).to_contain_text("Is anyone there?")
    expect(page.locator("#thread").get_by_role("button", name="Send").locator(".spinner")).to_be_hidden()


def test_a_failed_request_says_so(live_server, new_page):
    """When the server fails or cannot be reached, the page says what happened instead of doing nothing."""
    live = live_server
    shared = seed_shared_project(live)
    page = new_page()
    open_as_client(page, live, shared)
    page.route("**/messages", lambda route: route.fulfill(status=500, body="boom"))
    page.get_by_label("Your message").fill("Hello?")
    page.locator("#thread").get_by_role("button", name="Send").click()
    expect(page.locator("#flash")).to_contain_text("Something went wrong (500). Nothing was changed")
    page.unroute("**/messages")
    page.route("**/messages", lambda route: route.abort())
    page.locator("#thread").get_by_role("button", name="Send").click()
    expect(page.locator("#flash")).to_contain_text("The server could not be reached")
    expect(page.get_by_label("Your message")).to_have_value("Hello?")


def test_operator_follows_the_client_live(live_server, new_page, smtp_inbox):
    """Journey 3: the operator's open project page shows decisions and messages; the reply reaches the client."""
    live = live_server
    shared = seed_shared_project(live)
    operator = new_page()
    open_as_operator(operator, live, shared)
    mark_document(operator)
    client = new_page()
    open_as_client(client, live, shared)
    mark_document(client)

    client.locator(f"#deliverable-{shared.photos_id}").get_by_role("button", name="Approve Aerial photos").click()
    report = client.locator(f"#deliverable-{shared.report_id}")
    report.get_by_text("Request revision…").click()
    report.get_by_label("What should change? (required)").fill("The PDF misses page 2.")
    report.get_by_role("button", name="Request revision", exact=True).click()
    client.get_by_label("Your message").fill("Can we fly again on Friday?")
    client.get_by_role("button", name="Send").click()
    expect(client.locator("#thread-messages")).to_contain_text("Can we fly again on Friday?")

    cards = operator.locator("#deliverable-list")
    expect(cards.locator(f"#deliverable-{shared.photos_id} .badge").first).to_have_text(
        "Approved", timeout=LIVE_TIMEOUT_MS
    )
    expect(cards.locator(f"#deliverable-{shared.report_id}")).to_contain_text("Client’s reason: The PDF misses page 2.")
    thread = operator.locator("#operator-thread-messages")
    expect(thread).to_contain_text("The PDF misses page 2.", timeout=LIVE_TIMEOUT_MS)
    expect(thread).to_contain_text("Can we fly again on Friday?")

    operator.get_by_label("Your message").fill("Friday works, see you at 9.")
    operator.get_by_role("button", name="Send").click()
    expect(thread).to_contain_text("Friday works, see you at 9.")
    expect(client.locator("#thread-messages")).to_contain_text("Friday works, see you at 9.", timeout=LIVE_TIMEOUT_MS)
    expect(client.locator("#thread-messages .new-marker")).to_be_visible()
    assert_same_document(operator)
    assert_same_document(client)

    # Both sides hear of it by email too; links in an update lead to the portal's own pages, never a token.
    asked = wait_for_email(smtp_inbox, shared.operator_email, "on Harbour survey")
    assert "Casey Client" in asked["Subject"]
    update = wait_for_email(smtp_inbox, shared.client_email, "new message about Harbour survey")
    text = update.get_body(preferencelist=("plain",)).get_content()
    assert "Friday works, see you at 9." in text
    assert live(f"/portal/{shared.slug}/projects/{shared.project_id}#thread") in text and "/p/" not in text


def test_revoked_link_ends_the_open_session(live_server, new_page):
    """Journey 4: after the operator revokes the link, the client's next click lands on "not active"."""
    live = live_server
    shared = seed_shared_project(live)
    client = new_page()
    enter_portal(client, live, shared.token, shared.code)
    # A second window of the same client stays on the project page, where the next click is an htmx post.
    open_project = client.context.new_page()
    open_project.goto(live(f"/portal/{shared.slug}/projects/{shared.project_id}"))
    operator = new_page()
    open_as_operator(operator, live, shared)
    links = operator.locator("#portal-links")
    links.get_by_role("button", name=re.compile("^Revoke")).click()
    expect(links.locator(".badge")).to_have_text("Revoked")

    client.get_by_role("navigation", name="Portal sections").get_by_role("link", name="Projects").click()
    expect(client.get_by_role("heading", level=1)).to_have_text("This link is not active")
    open_project.get_by_role("button", name="Approve Aerial photos").click()
    expect(open_project.get_by_role("heading", level=1)).to_have_text("This link is not active")
    client.goto(live(f"/p/{shared.token}"))
    expect(client.get_by_role("heading", level=1)).to_have_text("This link is not active")


def test_client_journey_without_javascript(live_server, new_page):
    """Journey 5: with JavaScript off, every step is a full-page post that lands back on a readable page."""
    live = live_server
    shared = seed_shared_project(live)
    page = new_page(java_script_enabled=False)
    enter_portal(page, live, shared.token, shared.code)
    page.get_by_role("link", name="Review “Aerial photos”").click()
    photos = page.locator(f"#deliverable-{shared.photos_id}")
    with page.expect_navigation():
        photos.get_by_role("button", name="Approve Aerial photos").click()
    expect(photos.locator(".badge")).to_have_text("Approved")
    expect(page.locator("#flash")).to_contain_text("approved")

    report = page.locator(f"#deliverable-{shared.report_id}")
    report.get_by_text("Request revision…").click()
    report.get_by_role("button", name="Request revision", exact=True).click()
    # The browser's own check wants a reason first; nothing was sent.
    reason = report.get_by_label("What should change? (required)")
    assert reason.evaluate("el => el.validity.valueMissing")
    expect(report.locator(".badge")).to_have_text("Awaiting review")
    report.get_by_label("What should change? (required)").fill("Crop the second picture.")
    with page.expect_navigation():
        report.get_by_role("button", name="Request revision", exact=True).click()
    expect(report.locator(".badge")).to_have_text("Revision requested")
    expect(page.locator("#thread-messages")).to_contain_text("Crop the second picture.")

    page.get_by_label("Your message").fill("Sent without JavaScript.")
    with page.expect_navigation():
        page.get_by_role("button", name="Send").click()
    expect(page.locator("#thread-messages")).to_contain_text("Sent without JavaScript.")
    expect(badge(page, "projects")).to_have_text("")


def test_client_switches_between_two_organizations(live_server, new_page):
    """Journey 6: links from two organizations; the switcher moves between them, each asking its own code."""
    live = live_server
    email = f"{unique('shared')}@example.com"
    first = seed_shared_project(live, org_name="North Survey", client_email=email, code="111222")
    second = seed_shared_project(live, org_name="South Studio", client_email=email, code="333444")
    page = new_page()
    enter_portal(page, live, first.token, first.code)
    expect(page.locator(".portal-name")).to_have_text("North Survey")

    page.goto(live(f"/p/{second.token}"))
    page.get_by_label("Access code").fill(first.code)
    page.get_by_role("button", name="Open portal").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    page.get_by_label("Access code").fill(second.code)
    page.get_by_role("button", name="Open portal").click()
    expect(page.locator(".portal-name")).to_have_text("South Studio")

    switcher = page.get_by_role("navigation", name="Your other portals")
    switcher.get_by_role("link", name="North Survey").click()
    expect(page.locator(".portal-name")).to_have_text("North Survey")
    page.get_by_role("navigation", name="Your other portals").get_by_role("link", name="South Studio").click()
    expect(page.locator(".portal-name")).to_have_text("South Studio")
