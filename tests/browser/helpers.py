"""What the browser tests share: seeding the live server, signing in, axe, keyboard and layout checks."""

from __future__ import annotations

import io
import re
import time
import uuid
from dataclasses import dataclass

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.services import organizations
from portal.services.activity import Actor
from tests.factories import PASSWORD, make_client, make_deliverable, make_link, make_org, make_project, make_user
from tests.portal_world import store
from tests.samples import pdf_bytes, png_bytes

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_axe = Axe()


def unique(prefix: str) -> str:
    """A name no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def make_unique_org(name: str, prefix: str, operator_name: str, client_name: str):
    """An organization with a slug no other test uses, its operator and a client (emails as unique); all three."""
    org = make_org(name, slug=unique(prefix))
    operator = make_user(org, email=f"{unique(prefix)}@example.com", name=operator_name)
    customer = make_client(org, email=f"{unique(prefix + '-client')}@example.com", name=client_name)
    return org, operator, customer


@dataclass
class SharedProject:
    """A project shared through a portal link with an access code, as an operator would leave it."""

    org_name: str
    slug: str
    operator_email: str
    client_email: str
    project_id: int
    project_name: str
    photos_id: int
    report_id: int
    link_id: int
    token: str
    code: str


def seed_shared_project(live, *, org_name: str | None = None, client_email: str | None = None, code: str = "482913"):
    """Build an organization with a logo, a delivered project, two deliverables to review and a portal link."""
    with live.context():
        org = make_org(org_name or unique("Org"), slug=unique("org"), contact_email="team@example.com")
        operator = make_user(org, email=f"{unique('op')}@example.com", name="Olga Operator")
        organizations.set_logo(org, Actor.operator(operator), io.BytesIO(png_bytes((160, 60), (15, 118, 110))), 1 << 20)
        customer = make_client(org, email=client_email or f"{unique('client')}@example.com", name="Casey Client")
        project = make_project(org, customer, name="Harbour survey", status="delivered", location="Oslo harbour")
        photos = make_deliverable(project, title="Aerial photos", client_visible=True, status="ready", format="JPEG")
        report = make_deliverable(
            project, title="Inspection report", client_visible=True, status="ready", type="inspection_report"
        )
        store(project, "pier.png", png_bytes((640, 400), (30, 90, 160)), "image/png", photos)
        store(project, "report.pdf", pdf_bytes("Harbour inspection"), "application/pdf", report)
        link, token = make_link(org, customer, project, code=code, name="Casey Client")
        seeded = SharedProject(
            org.name,
            org.slug,
            operator.email,
            customer.email,
            project.id,
            project.name,
            photos.id,
            report.id,
            link.id,
            token,
            code,
        )
        db.session.remove()
        return seeded


OSM_TILES = "https://tile.openstreetmap.org/**"


def plain_tiles(page: Page) -> None:
    """Serve every map tile as one plain picture: the suite has no internet, the screenshots want a base map."""
    tile = png_bytes((256, 256), (233, 238, 230))
    page.route(OSM_TILES, lambda route: route.fulfill(status=200, content_type="image/png", body=tile))


def log_in(page: Page, live, email: str, password: str = PASSWORD) -> None:
    """Sign an operator in through the login form."""
    page.goto(live("/login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("header.topbar")).to_be_visible()


def enter_portal(page: Page, live, token: str, code: str | None) -> None:
    """Open a portal link and enter its access code."""
    page.goto(live(f"/p/{token}"))
    if code:
        page.get_by_label("Access code").fill(code)
    page.get_by_role("button", name="Open portal").click()
    expect(page.get_by_role("heading", level=1, name="Welcome", exact=False)).to_be_visible()


def mark_document(page: Page) -> None:
    """Leave a marker on window that a page load would wipe."""
    page.evaluate("window.__sameDocument = 'still here'")


def assert_same_document(page: Page) -> None:
    """The marker survived: no navigation or reload happened since mark_document."""
    assert page.evaluate("window.__sameDocument") == "still here", "the page was reloaded or navigated"


def assert_accessible(page: Page, label: str) -> None:
    """axe-core finds no WCAG 2.1 AA violation on the page as it is now."""
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]})
    violations = results.response["violations"]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        for v in violations
    )
    assert not violations, f"{label}: {len(violations)} accessibility violation(s)\n{report}"


def assert_no_sideways_scroll(page: Page, label: str) -> None:
    """The page is no wider than the viewport."""
    widths = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{label}: scrolls sideways ({widths[0]} px content in {widths[1]} px)"


# Controls smaller than 44 px. Links inside running text are exempt (WCAG 2.5.8's inline exception); a checkbox or
# radio counts with its label, which is the real target.
SMALL_TARGETS_JS = """
() => {
  const small = [];
  const inText = (el) => {
    if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
    const parent = el.parentElement;
    return [...parent.childNodes].some(n => n !== el && (n.nodeType === 3 ? n.textContent.trim() : !n.contains(el)));
  };
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    let target = el;
    if (el.matches('input[type=checkbox], input[type=radio]') && el.closest('label')) target = el.closest('label');
    const box = target.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const style = getComputedStyle(target);
    if (style.visibility === 'hidden' || target.closest('.visually-hidden, [hidden]')) continue;
    if (inText(el)) continue;
    if (box.height < 44 || box.width < 44) {
      const name = (el.innerText || el.value || el.name || '').trim().slice(0, 40);
      small.push(`${el.tagName.toLowerCase()} "${name}" ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}
"""


def assert_tap_targets(page: Page, label: str) -> None:
    """Every link, button and field outside running text is at least 44 × 44 px."""
    small = page.evaluate(SMALL_TARGETS_JS)
    assert not small, f"{label}: tap targets under 44 px: " + ", ".join(small)


def tab_to(page: Page, locator, limit: int = 120) -> None:
    """Press Tab until the locator has the focus, as a keyboard user would."""
    handle = locator.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(el) => el === document.activeElement", handle):
            return
    raise AssertionError(f"Tab never reached {locator}")


def assert_focus_visible(page: Page) -> None:
    """The focused control shows a focus ring (an outline or a box shadow)."""
    ring = page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
                   return {outline, shadow: s.boxShadow}; }"""
    )
    assert ring["outline"] or (ring["shadow"] and ring["shadow"] != "none"), "the focused control shows no focus ring"


def emails_to(smtp, to: str, subject: str) -> list:
    """Messages the SMTP server accepted for ``to`` whose subject contains ``subject``, oldest first."""
    return [
        delivered["message"]
        for delivered in list(smtp.inbox.delivered)
        if to in delivered["to"] and subject in delivered["message"]["Subject"]
    ]


def wait_for_email(smtp, to: str, subject: str, skip: int = 0, timeout: float = 30):
    """The next such message after the first ``skip`` ones, once the worker has delivered it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = emails_to(smtp, to, subject)
        if len(found) > skip:
            return found[skip]
        time.sleep(0.1)  # the worker delivers in the background: look again shortly
    raise AssertionError(f"no email to {to} about {subject!r} within {timeout} s")


def portal_link_in(message) -> str:
    """The portal link an invitation carries, read from its plain-text part as a client's mail app shows it."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"https?://\S+/p/[\w-]+", text)
    assert found, f"no portal link in the email:\n{text}"
    return found.group(0)


def assert_video_plays(page: Page, player, past_seconds: float) -> None:
    """The video element shows its poster, then plays (muted) past ``past_seconds`` once started in the page."""
    expect(player).to_have_attribute("poster", re.compile(r"/media/poster$"))
    player.scroll_into_view_if_needed()
    page.evaluate("(v) => { v.muted = true; return v.play(); }", player.element_handle())
    page.wait_for_function(f"(v) => v.currentTime > {past_seconds}", arg=player.element_handle(), timeout=10_000)


def pin_first_comment(page: Page, across: float, down: float, text: str, tolerance: float, tap: bool = False) -> None:
    """On a photo's comments page choose a spot (a click, or a tap on a phone), check the form took it across, and
    post the first comment pinned there: its numbered marker shows."""
    box = page.locator("[data-pin-stage] img").bounding_box()
    x, y = box["x"] + box["width"] * across, box["y"] + box["height"] * down
    page.touchscreen.tap(x, y) if tap else page.mouse.click(x, y)
    assert abs(float(page.get_by_label("Across").input_value()) - across) < tolerance
    page.get_by_label("Your comment").fill(text)
    post = page.get_by_role("button", name="Post comment")
    post.tap() if tap else post.click()
    expect(page.locator(".pin-marker")).to_have_text("1")


def open_as_client(page: Page, live, shared: SharedProject) -> None:
    """Enter the portal as the shared project's client and open its project page."""
    enter_portal(page, live, shared.token, shared.code)
    page.goto(live(f"/portal/{shared.slug}/projects/{shared.project_id}"))


def open_as_operator(page: Page, live, shared: SharedProject) -> None:
    """Sign in as the shared project's operator and open its project page."""
    log_in(page, live, shared.operator_email)
    page.goto(live(f"/app/projects/{shared.project_id}"))


def email_the_link(page: Page, live, shared: SharedProject) -> None:
    """The operator sends the portal link to the client from the project's link management."""
    open_as_operator(page, live, shared)
    links = page.locator("#portal-links")
    links.get_by_role("button", name=f"Email the link to {shared.client_email}").click()
    expect(page.locator("#flash")).to_contain_text(shared.client_email)
