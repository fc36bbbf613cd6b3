"""The map in a real browser: the client sees the site, photos, overlay and pins on Leaflet, pins a comment by
clicking the map and from the keyboard; with no tiles reachable everything is still drawn; axe and 375 px."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Message, Project, StoredFile
from portal.models.media import GEOTIFF, IMAGE, READY, FileMedia
from portal.storage import get_storage, new_key
from tests.browser.conftest import PHONE
from tests.browser.helpers import (
    OSM_TILES,
    assert_accessible,
    assert_no_sideways_scroll,
    assert_tap_targets,
    open_as_client,
    open_as_operator,
    plain_tiles,
    seed_shared_project,
    tab_to,
)
from tests.map_world import add_pin
from tests.portal_world import store
from tests.samples import png_bytes

SITE = (59.9075, 10.7365)


def _put_on_the_map(live, shared) -> None:
    """Place the seeded project's site, its photo, an orthomosaic overlay and one operator pin."""
    with live.context():
        project = db.session.get(Project, shared.project_id)
        project.site_lat, project.site_lon = SITE
        photo = db.session.execute(
            db.select(StoredFile).where(StoredFile.project_id == project.id, StoredFile.filename == "pier.png")
        ).scalar_one()
        db.session.add(
            FileMedia(
                file_id=photo.id, kind=IMAGE, status=READY, latitude=59.9081, longitude=10.7372, camera="DJI Mavic 3E"
            )
        )
        ortho = store(project, "harbour-ortho.tif", b"II*\x00", "image/tiff")
        key = new_key(f"org/{project.org_id}/project/{project.id}/overlay", ".png")
        get_storage().save(io.BytesIO(png_bytes((120, 80), (220, 120, 40))), key, "image/png")
        db.session.add(
            FileMedia(
                file_id=ortho.id,
                kind=GEOTIFF,
                status=READY,
                overlay_key=key,
                overlay_bounds=[59.9060, 10.7340, 59.9090, 10.7390],
            )
        )
        add_pin(project.id, "We start the flight here", (59.9070, 10.7355), sender_name="Olga Operator")
        db.session.remove()


def _open_map(page, live, shared) -> None:
    open_as_client(page, live, shared)
    expect(page.locator("#site-map .leaflet-container")).to_be_visible()


@pytest.mark.timeout(180)
def test_client_sees_the_map_and_pins_a_comment(live_server, new_page, screenshot):
    live = live_server
    shared = seed_shared_project(live)
    _put_on_the_map(live, shared)
    page = new_page()
    plain_tiles(page)
    _open_map(page, live, shared)
    # Site, photo and the numbered pin are markers; the orthomosaic lies under them with its opacity control.
    expect(page.locator("#site-map .leaflet-marker-icon")).to_have_count(3)
    expect(page.get_by_role("button", name="Site")).to_be_visible()
    expect(page.locator("#site-map img.leaflet-image-layer")).to_have_count(1)
    opacity = page.get_by_label("Opacity of harbour-ortho.tif")
    opacity.fill("30")
    expect(page.locator("#site-map img.leaflet-image-layer")).to_have_css("opacity", "0.3")
    page.locator("#site-map").evaluate("section => section.scrollIntoView()")
    assert_accessible(page, "portal: project map")
    screenshot(page, "portal-map-desktop")

    # A marker opens its photo.
    page.get_by_role("button", name="Photo: pier.png").click()
    expect(page.locator(".leaflet-popup a", has_text="Open pier.png")).to_have_attribute(
        "href", f"/portal/{shared.slug}/files/{{}}/pins".format(_photo_id(live, shared))
    )
    page.keyboard.press("Escape")

    # Click the map: the spot fills the pin form, the comment goes to the thread and onto the map as pin 2.
    box = page.locator("#site-map .leaflet-container").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2 + 30, box["y"] + box["height"] / 2 + 20)
    expect(page.get_by_label("Latitude", exact=True)).not_to_have_value("")
    page.get_by_label("Comment", exact=True).fill("Please check this corner of the pier")
    page.get_by_role("button", name="Pin comment").click()
    expect(page.locator("#site-map .map-list li[data-map-kind=pin]")).to_have_count(2)
    expect(page.locator("#thread-messages")).to_contain_text("Please check this corner of the pier")
    expect(page.locator("#site-map .leaflet-marker-icon")).to_have_count(4)
    with live.context():
        pinned = db.session.execute(db.select(Message).where(Message.body.like("Please check%"))).scalar_one()
        assert abs(pinned.pin_lat - SITE[0]) < 0.05 and abs(pinned.pin_lon - SITE[1]) < 0.05
        db.session.remove()

    # From the keyboard: the map's centre is a spot too.
    tab_to(page, page.get_by_role("button", name="Use the map’s centre"))
    page.keyboard.press("Enter")
    expect(page.get_by_label("Latitude", exact=True)).not_to_have_value("")
    page.get_by_label("Comment", exact=True).fill("And the middle")
    page.get_by_label("Comment", exact=True).press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#site-map .map-list li[data-map-kind=pin]")).to_have_count(3)
    assert_accessible(page, "portal: project map after pinning")


def _photo_id(live, shared) -> int:
    with live.context():
        found = db.session.execute(
            db.select(StoredFile.id).where(
                StoredFile.project_id == shared.project_id, StoredFile.filename == "pier.png"
            )
        ).scalar_one()
        db.session.remove()
        return found


@pytest.mark.timeout(120)
def test_with_no_tiles_the_map_still_shows_everything(live_server, new_page):
    live = live_server
    shared = seed_shared_project(live)
    _put_on_the_map(live, shared)
    page = new_page()
    page.route(OSM_TILES, lambda route: route.abort())
    _open_map(page, live, shared)
    expect(page.locator("#site-map .leaflet-marker-icon")).to_have_count(3)
    expect(page.locator("#site-map img.leaflet-image-layer")).to_have_count(1)
    expect(page.locator("#site-map .leaflet-control-attribution")).to_contain_text("OpenStreetMap")
    assert_accessible(page, "portal: map without tiles")


@pytest.mark.timeout(120)
def test_the_map_fits_a_phone_and_the_operator_places_the_site(live_server, new_page, screenshot):
    live = live_server
    shared = seed_shared_project(live)
    _put_on_the_map(live, shared)
    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=1)
    plain_tiles(phone)
    _open_map(phone, live, shared)
    phone.locator("#site-map").evaluate("section => section.scrollIntoView()")
    assert_no_sideways_scroll(phone, "portal: map on a phone")
    assert_tap_targets(phone, "portal: map on a phone")
    screenshot(phone, "portal-map-phone")

    operator = new_page()
    plain_tiles(operator)
    open_as_operator(operator, live, shared)
    expect(operator.locator("#site-map .leaflet-container")).to_be_visible()
    operator.get_by_text("Move the site", exact=True).click()
    operator.get_by_label("Site latitude").fill("59.9")
    operator.get_by_label("Site longitude").fill("200")
    operator.get_by_role("button", name="Save site position").click()
    expect(operator.locator("#site-lon-error")).to_contain_text("between -180 and 180")
    operator.get_by_label("Site longitude").fill("10.74")
    operator.get_by_role("button", name="Save site position").click()
    expect(operator.locator("#site-map .map-list")).to_contain_text("59.90000, 10.74000")
    assert_accessible(operator, "operator: project map")
    operator.locator("#site-map").evaluate("section => section.scrollIntoView()")
    screenshot(operator, "operator-map-desktop")
