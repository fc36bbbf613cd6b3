"""Keyboard only: journey 2 without a mouse, and a visible focus ring on every stop."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import (
    assert_focus_visible,
    assert_same_document,
    mark_document,
    open_as_client,
    open_as_operator,
    seed_shared_project,
    tab_to,
)


def test_client_review_by_keyboard_only(live_server, new_page):
    """Journey 2 with Tab, Enter and typing only."""
    live = live_server
    shared = seed_shared_project(live)
    page = new_page()
    page.goto(live(f"/p/{shared.token}"))
    code = page.get_by_label("Access code")
    expect(code).to_be_focused()  # autofocus: the first thing to do is typing the code
    page.keyboard.type(shared.code)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    assert_focus_visible(page)
    tab_to(page, page.get_by_role("link", name="Review “Aerial photos”"))
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(shared.project_name)
    mark_document(page)

    photos = page.locator(f"#deliverable-{shared.photos_id}")
    tab_to(page, photos.get_by_role("button", name="Approve Aerial photos"))
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(photos.locator(".badge")).to_have_text("Approved")
    # The focus stays with the card that was just decided, not back at the top of the page.
    expect(photos).to_be_focused()

    report = page.locator(f"#deliverable-{shared.report_id}")
    tab_to(page, report.locator("summary", has_text="Request revision"))
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(report.get_by_label("What should change? (required)")).to_be_focused()
    page.keyboard.type("Brighter, please.")
    page.keyboard.press("Tab")
    expect(report.get_by_role("button", name="Request revision", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(report.locator(".badge")).to_have_text("Revision requested")

    tab_to(page, page.get_by_label("Your message"))
    page.keyboard.type("Typed without a mouse.")
    page.keyboard.press("Tab")
    expect(page.locator("#thread").get_by_role("button", name="Send")).to_be_focused()
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("#thread-messages")).to_contain_text("Typed without a mouse.")
    assert_same_document(page)


def _every_stop_shows_focus(page, stops: int = 60) -> int:
    """Tab through the page; every focused control must show a ring. Returns the number of stops seen."""
    seen = 0
    for _ in range(stops):
        page.keyboard.press("Tab")
        state = page.evaluate(
            """() => { const el = document.activeElement;
                       if (el === document.body) return 'body';
                       if (el.dataset.tabSeen) return 'again';
                       el.dataset.tabSeen = '1'; return 'new'; }"""
        )
        if state != "new":
            break
        seen += 1
        assert_focus_visible(page)
    return seen


def test_focus_is_visible_on_both_sides(live_server, new_page):
    """Links, buttons, fields and menus all show a focus ring when reached with Tab."""
    live = live_server
    shared = seed_shared_project(live)
    client = new_page()
    open_as_client(client, live, shared)
    assert _every_stop_shows_focus(client) > 15
    operator = new_page()
    open_as_operator(operator, live, shared)
    assert _every_stop_shows_focus(operator) > 15
