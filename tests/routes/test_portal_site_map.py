"""The client's map: only what the client may see is placed on it; pins, overlays and their guards."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.models import Deliverable, Message, Notification, StoredFile
from tests.conftest import HX
from tests.factories import make_client, make_link, make_org, make_project, make_user
from tests.map_world import BOUNDS, PHOTO, SECRET_BOUNDS, SECRET_PHOTO, SITE, add_media, add_pin
from tests.portal_world import make_world


@pytest.fixture
def world(app):
    """Ids and the client's browser only: every request runs outside an application context."""
    with app.app_context():
        built = make_world(app)
        make_user(built.org, email="op@example.com")  # someone to hear of the client's comments
        ids = add_media(built.project, built.image, built.secret_file)
        add_pin(built.project.id, "Look at the gate", (51.455, -2.588))
        add_pin(built.project.id, "INTERNAL-PIN-NOTE", (51.456, -2.589), internal=True)
        slug = built.org.slug
        return SimpleNamespace(
            browser=built.browser,
            url=lambda path: f"/portal/{slug}{path}",
            project=built.project.id,
            image=built.image.id,
            secret=built.secret_file.id,
            **ids,
        )


def _coord(value: float) -> str:
    return f"{value:.5f}"


def test_the_map_shows_the_site_visible_photos_overlays_and_pins(world):
    page = world.browser.get(world.url(f"/projects/{world.project}"))
    assert page.status_code == 200
    html = page.text
    assert 'id="site-map"' in html and "data-site-map" in html
    assert f"{_coord(SITE[0])}, {_coord(SITE[1])}" in html
    assert f'href="/portal/acme/files/{world.image}/pins"' in html and "DJI Mavic 3E" in html
    assert f"{_coord(PHOTO[0])}, {_coord(PHOTO[1])}" in html
    assert f'data-src="/portal/acme/files/{world.overlay}/overlay"' in html
    assert 'data-bounds="' + ",".join(str(b) for b in BOUNDS) + '"' in html
    assert 'for="overlay-opacity-' in html and 'type="range"' in html
    assert "Look at the gate" in html and 'data-number="1"' in html
    # Leaflet: the vendored stylesheet, and the vendored script behind the map script.
    assert "vendor/leaflet-1.9.4/leaflet.css" in html and "vendor/leaflet-1.9.4/leaflet.js" in html


def test_hidden_files_and_internal_pins_leave_no_trace_on_the_client_map(world):
    html = world.browser.get(world.url(f"/projects/{world.project}")).text
    for secret in (_coord(SECRET_PHOTO[0]), str(SECRET_BOUNDS[0]), "SECRET-ORTHO", "INTERNAL-PIN-NOTE", "SECRET-FILE"):
        assert secret not in html
    assert f"/files/{world.secret_overlay}/overlay" not in html


def test_a_photo_leaves_the_client_map_with_its_hidden_deliverable(world, app):
    with app.app_context():
        photo = db.session.get(StoredFile, world.image)
        db.session.get(Deliverable, photo.deliverable_id).client_visible = False
        db.session.commit()
    html = world.browser.get(world.url(f"/projects/{world.project}")).text
    assert 'id="site-map"' in html
    assert _coord(PHOTO[0]) not in html and f"/files/{world.image}/pins" not in html


def test_overlay_route_serves_visible_overlays_only(world, app):
    shown = world.browser.get(world.url(f"/files/{world.overlay}/overlay"))
    assert shown.status_code == 200 and shown.mimetype == "image/png" and shown.data.startswith(b"\x89PNG")
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    assert world.browser.get(world.url(f"/files/{world.secret_overlay}/overlay")).status_code == 404
    # A visible file without an overlay, and another organization's GeoTIFF, are the same 404.
    assert world.browser.get(world.url(f"/files/{world.image}/overlay")).status_code == 404
    with app.app_context():
        other_world = make_world(app, slug="other")
        other = add_media(other_world.project, other_world.image, other_world.secret_file)["overlay"]
    assert world.browser.get(world.url(f"/files/{other}/overlay")).status_code == 404


def _pin(world, data, headers=None, project=None):
    return world.browser.post(world.url(f"/projects/{project or world.project}/map-pins"), data=data, headers=headers)


def _pins(app) -> list:
    with app.app_context():
        return db.session.execute(
            db.select(Message.body, Message.pin_lat, Message.pin_lon, Message.sender_type)
            .where(Message.pin_lat.is_not(None))
            .order_by(Message.id)
        ).all()


def test_client_pins_a_comment_as_a_fragment(world, app):
    response = _pin(world, {"lat": "51.4549", "lon": "-2.5875", "body": "Is this the new fence?"}, HX)
    assert response.status_code == 200 and "<html" not in response.text
    assert 'id="site-map"' in response.text and "Is this the new fence?" in response.text
    assert 'id="thread-messages"' in response.text and 'hx-swap-oob="true"' in response.text
    assert 'href="#map-pin-' in response.text
    assert "HX-Request" in response.headers["Vary"]
    pins = _pins(app)
    assert pins[-1] == ("Is this the new fence?", 51.4549, -2.5875, "client")
    with app.app_context():
        # The thread's own path: the operator hears of it like of any client message.
        assert db.session.execute(db.select(db.func.count(Notification.id))).scalar() >= 1


def test_client_pins_a_comment_without_javascript(world, app):
    response = _pin(world, {"lat": "51.4549", "lon": "-2.5875", "body": "Plain form"})
    assert response.status_code == 303 and response.headers["Location"].endswith("#site-map")
    page = world.browser.get(response.headers["Location"]).text
    assert "Plain form" in page and "Comment pinned." in page


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"lat": "95", "lon": "0", "body": "x"}, "between -90 and 90"),
        ({"lat": "51.45", "lon": "-200", "body": "x"}, "between -180 and 180"),
        ({"lat": "52.2", "lon": "-2.58", "body": "far away"}, "more than 50 km from the site"),
        ({"lat": "51.45", "lon": "", "body": "x"}, "longitude too"),
        ({"lat": "", "lon": "", "body": "x"}, "Choose a spot"),
        ({"lat": "51.45", "lon": "-2.58", "body": "  "}, "Write a comment first"),
        ({"lat": "<script>", "lon": "-2.58", "body": "x"}, "must be a number"),
    ],
)
def test_wrong_pins_are_refused_with_nothing_stored(world, app, data, words):
    before = len(_pins(app))
    fragment = _pin(world, data, HX)
    assert fragment.status_code == 200 and words in fragment.text and 'aria-invalid="true"' in fragment.text
    assert "<script>" not in fragment.text
    full = _pin(world, data)
    assert full.status_code == 422 and words in full.text
    assert len(_pins(app)) == before


def test_pins_on_a_foreign_project_are_404(world, app):
    with app.app_context():
        org = make_org(slug="elsewhere")
        foreign = make_project(org, make_client(org))
        foreign.site_lat, foreign.site_lon = SITE
        db.session.commit()
        foreign_id = foreign.id
    before = len(_pins(app))
    assert _pin(world, {"lat": "51.4549", "lon": "-2.5875", "body": "x"}, project=foreign_id).status_code == 404
    assert len(_pins(app)) == before


def test_pins_need_the_csrf_token(world, app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = _pin(world, {"lat": "51.4549", "lon": "-2.5875", "body": "forged"})
        assert response.status_code in (400, 422)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert "forged" not in [pin.body for pin in _pins(app)]


def test_a_client_map_with_nothing_on_it_offers_no_pin_form(app):
    with app.app_context():
        org = make_org(slug="bare")
        customer = make_client(org, email="c@example.com")
        project = make_project(org, customer, status="in_progress")
        _link, token = make_link(org, customer, project)
        browser, project_id = app.test_client(), project.id
    assert browser.post(f"/p/{token}").status_code == 303
    html = browser.get(f"/portal/bare/projects/{project_id}").text
    assert "Nothing on the map yet." in html and "map-pin-form" not in html and "data-site-map" not in html
