"""Searching and paging a list in a real browser, with htmx and without JavaScript, on a phone and a laptop."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Project
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.helpers import assert_no_sideways_scroll, assert_tap_targets, log_in, make_unique_org


@pytest.fixture(scope="module")
def busy_org(live_server):
    """An organization with more projects than one page holds."""
    with live_server.context():
        org, operator, customer = make_unique_org("Busy Air", "busy", "Bea Busy", "Bo Customer")
        db.session.add_all(
            Project(org_id=org.id, client_id=customer.id, name=f"Survey {n:03d}", location="Drammen") for n in range(70)
        )
        db.session.add(Project(org_id=org.id, client_id=customer.id, name="Lighthouse 100%"))
        db.session.commit()
        return operator.email


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "laptop"])
def test_search_and_pages_update_in_place(live_server, new_page, busy_org, viewport):
    page = new_page(viewport=viewport)
    log_in(page, live_server, busy_org)
    page.goto(live_server("/app/projects"))
    pager = page.get_by_role("navigation", name="Pages of projects")
    expect(pager).to_contain_text("1–50 of 71 projects")
    assert_no_sideways_scroll(page, "projects, page 1")
    if viewport is PHONE:  # thumbs: the pager's buttons and the search box are big enough to tap
        assert_tap_targets(page, "projects, page 1")

    page.get_by_label("Search", exact=True).fill("survey")
    expect(pager).to_contain_text("of 70 projects")
    expect(page).to_have_url(re.compile(r"q=survey"))
    pager.get_by_role("link", name="Next page").click()
    expect(pager).to_contain_text("51–70 of 70 projects")
    expect(page).to_have_url(re.compile(r"q=survey.*page=2|page=2.*q=survey"))
    expect(page.locator("#project-list tbody tr")).to_have_count(20)
    assert_no_sideways_scroll(page, "projects, page 2")

    page.go_back()
    expect(pager).to_contain_text("1–50 of 70 projects")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "laptop"])
def test_the_header_search_finds_projects(live_server, new_page, busy_org, viewport):
    page = new_page(viewport=viewport)
    log_in(page, live_server, busy_org)
    box = page.get_by_role("searchbox", name="Search projects, clients, proposals and invoices")
    expect(box).to_be_visible()
    box.fill("100%")
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    results = page.locator("#results-projects").locator("..")
    expect(results).to_contain_text("Lighthouse 100%")
    expect(results).not_to_contain_text("Survey")
    assert_no_sideways_scroll(page, "search results")


def test_pages_without_javascript(live_server, new_page, busy_org):
    page = new_page(viewport=PHONE, java_script_enabled=False)
    log_in(page, live_server, busy_org)
    page.goto(live_server("/app/projects?status=draft"))
    page.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(re.compile(r"status=draft.*page=2|page=2.*status=draft"))
    expect(page.get_by_role("navigation", name="Pages of projects")).to_contain_text("51–71 of 71 projects")
    page.get_by_label("Search", exact=True).fill("lighthouse")
    page.locator("form.filters").get_by_role("button", name="Search").click()
    expect(page.locator("#project-list tbody tr")).to_have_count(1)
