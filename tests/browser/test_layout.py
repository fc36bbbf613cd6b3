"""Layout at a laptop's width (1280 px) and a phone's (375 px): tables keep their columns, the stepper keeps its
words, line items stay in their card, the operator's project page leads with its details, the app has an icon."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Notification
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.helpers import (
    assert_no_sideways_scroll,
    enter_portal,
    log_in,
    make_unique_org,
    open_as_client,
    seed_shared_project,
    unique,
)
from tests.factories import (
    make_activity,
    make_client,
    make_link,
    make_org,
    make_project,
    new_invoice,
    new_proposal,
)

# For every table.stack on the page: the header cells' left edges, and each body row's cells' left edges.
COLUMNS_JS = """
() => [...document.querySelectorAll('table.stack')].map(table => ({
  head: [...table.querySelectorAll('thead th')].map(th => Math.round(th.getBoundingClientRect().left)),
  rows: [...table.querySelectorAll('tbody tr')].map(tr =>
    [...tr.children].map(td => Math.round(td.getBoundingClientRect().left))),
}))
"""

# Words of the stepper's visible labels that the browser split over two lines.
BROKEN_WORDS_JS = """
() => {
  const broken = [];
  for (const label of document.querySelectorAll('.stepper .label')) {
    const text = label.firstChild;
    if (!text || text.nodeType !== 3) continue;
    const re = /\\S+/g;
    let match;
    while ((match = re.exec(text.textContent))) {
      const range = document.createRange();
      range.setStart(text, match.index);
      range.setEnd(text, match.index + match[0].length);
      const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
      if (lines.size > 1) broken.push(match[0]);
    }
  }
  return broken;
}
"""


def _invitation(org, to_email: str, subject: str, status: str, **fields) -> Notification:
    """An invitation email of the organization, tried once."""
    return Notification(
        org_id=org.id, to_email=to_email, kind="invitation", subject=subject, status=status, attempts=1, **fields
    )


@pytest.fixture(scope="module")
def layout_data(live_server):
    """An organization whose lists have rows with empty cells, and a project with a long activity log."""
    with live_server.context():
        org, operator, customer = make_unique_org("Layout Air", "layout", "Lena Layout", "Lars Customer")
        dated = make_project(org, customer, name="Bridge survey", location="Drammen bridge (59.7439, 10.2046)")
        make_project(org, customer, name="Undated survey", start_date=None, end_date=None, location=None)
        today = datetime.now(UTC).date()
        db.session.add_all(
            [
                new_invoice(
                    org.id,
                    customer.id,
                    "INV-1",
                    issue_date=today,
                    due_date=today + timedelta(days=14),
                    status="sent",
                    total_minor=10000,
                ),
                new_invoice(
                    org.id, customer.id, "INV-2", issue_date=today, due_date=None, status="draft", total_minor=5000
                ),
                new_proposal(
                    org.id, customer.id, "P-1", "With a date", valid_until=today + timedelta(days=30), status="sent"
                ),
                new_proposal(org.id, customer.id, "P-2", "Without a date", valid_until=None, status="draft"),
                _invitation(org, "ok@example.com", "Sent one", "sent", sent_at=datetime.now(UTC)),
                _invitation(org, "bad@example.com", "Failed one", "failed", last_error="SMTP 550 mailbox unavailable"),
            ]
        )
        start = datetime.now(UTC) - timedelta(hours=60)
        for n in range(45):
            make_activity(
                org,
                dated,
                f"Lena Layout noted step {n}",
                actor_type="operator",
                actor_label="Lena Layout",
                verb="project.note",
                at=start + timedelta(hours=n),
            )
        data = {"email": operator.email, "project": dated.id, "slug": org.slug}
        db.session.remove()
    return data


def _operator_page(new_page, live, data, viewport):
    page = new_page(viewport=viewport)
    log_in(page, live, data["email"])
    return page


@pytest.mark.parametrize("path", ["/app/projects", "/app/invoices", "/app/proposals", "/app/emails"])
def test_rows_with_an_empty_cell_keep_their_columns_on_a_laptop(live_server, new_page, layout_data, path):
    page = _operator_page(new_page, live_server, layout_data, DESKTOP)
    page.goto(live_server(path))
    tables = page.evaluate(COLUMNS_JS)
    assert tables and all(table["rows"] for table in tables), path
    for table in tables:
        for row in table["rows"]:
            assert row == table["head"], f"{path}: a row's cells start at {row}, its columns at {table['head']}"


def test_phone_rows_still_drop_their_empty_cells(live_server, new_page, layout_data):
    page = _operator_page(new_page, live_server, layout_data, PHONE)
    page.goto(live_server("/app/projects"))
    undated = page.locator("tr", has_text="Undated survey")
    expect(undated.locator('td[data-label="Location"]')).to_be_hidden()
    expect(page.locator("tr", has_text="Bridge survey").locator('td[data-label="Location"]')).to_be_visible()
    assert_no_sideways_scroll(page, "projects on a phone")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "laptop"])
def test_the_stepper_never_breaks_a_word(live_server, new_page, viewport):
    shared = seed_shared_project(live_server)
    page = new_page(viewport=viewport)
    open_as_client(page, live_server, shared)
    expect(page.locator(".stepper")).to_be_visible()
    assert page.evaluate(BROKEN_WORDS_JS) == []
    assert_no_sideways_scroll(page, "project with its stepper")


@pytest.mark.parametrize("kind", ["invoices", "proposals"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "laptop"])
def test_line_items_stay_in_their_card(live_server, new_page, layout_data, kind, viewport):
    page = _operator_page(new_page, live_server, layout_data, viewport)
    page.goto(live_server(f"/app/{kind}/new"))
    card = page.locator("#document-form").bounding_box()
    inputs = page.locator(".line-table input")
    assert inputs.count() >= 4
    for index in range(inputs.count()):
        box = inputs.nth(index).bounding_box()
        assert card["x"] <= box["x"] and box["x"] + box["width"] <= card["x"] + card["width"], (index, box, card)
    assert_no_sideways_scroll(page, f"new {kind}")
    if viewport == DESKTOP:
        widths = page.evaluate(
            "[...document.querySelectorAll('.line-table thead th')].map(th => th.getBoundingClientRect().width)"
        )
        assert widths[0] == max(widths) and widths[0] > 2 * max(widths[1:]), widths


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "laptop"])
def test_the_project_page_leads_with_its_details_and_bounds_the_activity(live_server, new_page, layout_data, viewport):
    page = _operator_page(new_page, live_server, layout_data, viewport)
    page.goto(live_server(f"/app/projects/{layout_data['project']}"))
    top = {
        name: page.locator(selector).bounding_box()["y"]
        for name, selector in (
            ("details", "dl.facts"),
            ("status", "#status-card"),
            ("deliverables", "#deliverables"),
            ("activity", "#timeline"),
        )
    }
    assert top["details"] < top["activity"] and top["status"] < top["activity"], top
    if viewport == PHONE:
        assert top["details"] < top["status"] < top["deliverables"] < top["activity"], top
    visible = page.locator("#timeline > ol.timeline > li")
    expect(visible).to_have_count(20)
    expect(visible.first).to_contain_text("step 44")  # newest first
    more = page.locator("#timeline details.timeline-more")
    expect(more.locator("summary")).to_have_text("Show earlier activity (25)")
    expect(more.locator("li").first).to_be_hidden()
    more.locator("summary").click()
    expect(more.locator("li")).to_have_count(25)
    expect(more.locator("li").first).to_be_visible()
    page.locator("#timeline details.timeline-more summary").click()
    height = page.evaluate("document.scrollingElement.scrollHeight")
    assert height < 5000, f"the project page is {height} px tall"
    assert_no_sideways_scroll(page, "project page")


def test_the_app_and_a_branded_portal_have_an_icon(live_server, new_page, layout_data):
    page = new_page()
    response = page.goto(live_server("/favicon.ico"))
    assert response.status == 200 and response.headers["content-type"] in ("image/vnd.microsoft.icon", "image/x-icon")
    page.goto(live_server("/login"))
    icons = page.eval_on_selector_all('link[rel="icon"]', "links => links.map(l => l.href)")
    assert live_server("/favicon.ico") in icons
    for href in icons:
        assert page.request.get(href).ok, href
    shared = seed_shared_project(live_server)  # its organization has a logo
    portal = new_page()
    enter_portal(portal, live_server, shared.token, shared.code)
    icon = portal.eval_on_selector('link[rel="icon"]', "link => link.href")
    assert "/media/logo/" in icon and portal.request.get(icon).headers["content-type"] == "image/png"
    with live_server.context():
        plain = make_org("Plain Air", slug=unique("plain"))
        customer = make_client(plain, email=f"{unique('pc')}@example.com")
        _link, token = make_link(plain, customer, make_project(plain, customer, status="scheduled"))
        db.session.remove()
    other = new_page()
    enter_portal(other, live_server, token, None)
    assert other.eval_on_selector_all('link[rel="icon"]', "links => links.map(l => l.href)")[0].endswith("/favicon.ico")
