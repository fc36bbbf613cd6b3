"""The operator's map: the site's position form, pins, overlays, what the map data holds, and the CSP's tile host."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.models import Activity, Message, Project
from portal.models.media import GEOTIFF, IMAGE, PENDING, READY, FileMedia
from portal.services import site_map
from tests.conftest import HX, login, make_test_app
from tests.factories import make_client, make_org, make_project, make_user
from tests.map_world import PHOTO, SECRET_PHOTO, SITE, add_media, add_pin
from tests.portal_world import store
from tests.samples import png_bytes


@pytest.fixture
def world(app):
    """An operator signed in on a project with photos (one hidden from the client) and overlays; ids only."""
    browser = app.test_client()
    with app.app_context():
        org = make_org(slug="ops")
        login(browser, make_user(org, name="Maya"), org)
        customer = make_client(org, email="casey@example.com")
        project = make_project(org, customer, status="in_progress")
        image = store(project, "pier.jpg", png_bytes(), "image/png")
        secret = store(project, "draft.jpg", png_bytes(), "image/png", visible=False)
        ids = add_media(project, image, secret)
        return SimpleNamespace(browser=browser, project=project.id, image=image.id, secret=secret.id, **ids)


def _site(app, project_id):
    with app.app_context():
        project = db.session.get(Project, project_id)
        return project.site_lat, project.site_lon


def test_operator_places_the_site_as_a_fragment_and_without_javascript(world, app):
    with app.app_context():
        db.session.get(Project, world.project).location = "North quay"
        db.session.commit()
    url = f"/app/projects/{world.project}/site"
    fragment = world.browser.post(url, data={"lat": "48.8584", "lon": "2.2945"}, headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'id="site-map"' in fragment.text and "48.85840, 2.29450" in fragment.text
    assert 'id="timeline"' in fragment.text and "placed the site at 48.85840, 2.29450" in fragment.text
    assert _site(app, world.project) == (48.8584, 2.2945)
    full = world.browser.post(url, data={"lat": "-33.8568", "lon": "151.2153"})
    assert full.status_code == 303 and full.headers["Location"].endswith("#site-map")
    assert _site(app, world.project) == (-33.8568, 151.2153)
    # The written location stays what it was.
    with app.app_context():
        assert db.session.get(Project, world.project).location == "North quay"


def test_both_fields_empty_removes_the_site(world, app):
    response = world.browser.post(f"/app/projects/{world.project}/site", data={"lat": "", "lon": " "}, headers=HX)
    assert response.status_code == 200 and "Place the site on the map" in response.text
    assert _site(app, world.project) == (None, None)
    with app.app_context():
        verbs = db.session.execute(db.select(Activity.verb)).scalars().all()
    assert "project.site_cleared" in verbs


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"lat": "90.5", "lon": "0"}, "lat", "between -90 and 90"),
        ({"lat": "10", "lon": "180.01"}, "lon", "between -180 and 180"),
        ({"lat": "10", "lon": ""}, "lon", "Give the longitude too"),
        ({"lat": "", "lon": "10"}, "lat", "Give the latitude too"),
        ({"lat": "48°51′N", "lon": "2.29"}, "lat", "must be a number"),
        ({"lat": "1e400", "lon": "2"}, "lat", "between -90 and 90"),
        ({"lat": "1" * 41, "lon": "2"}, "lat", "Field cannot be longer"),
    ],
)
def test_wrong_site_positions_are_refused_with_a_clear_error(world, app, data, field, words):
    url = f"/app/projects/{world.project}/site"
    fragment = world.browser.post(url, data=data, headers=HX)
    assert fragment.status_code == 200 and words in fragment.text
    assert f'id="site-{field}-error"' in fragment.text and 'aria-invalid="true"' in fragment.text
    full = world.browser.post(url, data=data)
    assert full.status_code == 422 and words in full.text
    assert _site(app, world.project) == SITE


def test_site_and_pins_of_a_foreign_project_are_404(world, app):
    with app.app_context():
        foreign = make_project(make_org(slug="elsewhere"))
        foreign.site_lat, foreign.site_lon = SITE
        db.session.commit()
        foreign_id = foreign.id
    assert world.browser.post(f"/app/projects/{foreign_id}/site", data={"lat": "1", "lon": "1"}).status_code == 404
    pin = {"lat": str(SITE[0]), "lon": str(SITE[1]), "body": "x"}
    assert world.browser.post(f"/app/projects/{foreign_id}/map-pins", data=pin).status_code == 404
    assert _site(app, foreign_id) == SITE
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Message.id))).scalar() == 0


def test_the_operator_map_shows_every_file_and_internal_pins(world, app):
    with app.app_context():
        add_pin(world.project, "Internal note on the map", (51.455, -2.588), internal=True)
    html = world.browser.get(f"/app/projects/{world.project}").text
    assert f"{SECRET_PHOTO[0]:.5f}" in html and f"{PHOTO[0]:.5f}" in html
    assert f'data-src="/app/files/{world.secret_overlay}/overlay"' in html
    assert f'href="/app/files/{world.image}/pins"' in html
    assert "Internal note on the map" in html and 'href="#map-pin-' in html
    assert 'id="site-lat"' in html and 'value="51.4545"' in html


def test_operator_pins_a_comment_fragment_and_full_page(world, app):
    url = f"/app/projects/{world.project}/map-pins"
    fragment = world.browser.post(url, data={"lat": "51.455", "lon": "-2.589", "body": "Land here"}, headers=HX)
    assert fragment.status_code == 200 and "Land here" in fragment.text and 'data-number="1"' in fragment.text
    assert 'id="operator-thread-messages"' in fragment.text and 'id="timeline"' in fragment.text
    full = world.browser.post(url, data={"lat": "51.456", "lon": "-2.589", "body": "Second"})
    assert full.status_code == 303 and full.headers["Location"].endswith("#site-map")
    far = world.browser.post(url, data={"lat": "48.85", "lon": "2.29", "body": "Paris"}, headers=HX)
    assert far.status_code == 200 and "more than 50 km from the site" in far.text
    with app.app_context():
        rows = db.session.execute(
            db.select(Message.body, Message.sender_type, Message.pin_lat).order_by(Message.id)
        ).all()
    assert rows == [("Land here", "operator", 51.455), ("Second", "operator", 51.456)]


def test_without_a_site_pins_must_lie_near_a_photo_or_overlay(world, app):
    with app.app_context():
        project = db.session.get(Project, world.project)
        project.site_lat = project.site_lon = None
        db.session.commit()
    url = f"/app/projects/{world.project}/map-pins"
    near = world.browser.post(url, data={"lat": "51.7", "lon": "-2.6", "body": "Near the photos"}, headers=HX)
    assert (
        near.status_code == 200
        and "Near the photos" in near.text
        and "error" not in near.text.split("map-pin-form")[1][:0]
    )
    far = world.browser.post(url, data={"lat": "53", "lon": "-2.6", "body": "Far"}, headers=HX)
    assert "more than 50 km from the project" in far.text


def test_overlay_route_checks_the_organization(world, app):
    own = world.browser.get(f"/app/files/{world.secret_overlay}/overlay")
    assert own.status_code == 200 and own.mimetype == "image/png"
    assert world.browser.get(f"/app/files/{world.image}/overlay").status_code == 404
    with app.app_context():
        org = make_org(slug="foreign")
        project = make_project(org)
        geotiff = store(project, "theirs.tif", b"II*\x00", "image/tiff")
        db.session.add(FileMedia(file_id=geotiff.id, kind=GEOTIFF, status=READY, overlay_key="nope.png"))
        db.session.commit()
        foreign_id = geotiff.id
    assert world.browser.get(f"/app/files/{foreign_id}/overlay").status_code == 404


def test_an_overlay_that_is_not_an_image_is_not_served(world, app):
    with app.app_context():
        media = db.session.get(FileMedia, world.overlay)
        media.overlay_key = db.session.get(FileMedia, world.overlay).file.storage_key  # the TIFF bytes, not a PNG
        db.session.commit()
    assert world.browser.get(f"/app/files/{world.overlay}/overlay").status_code == 404


def test_build_leaves_out_what_the_viewer_may_not_see_and_what_is_not_ready(world, app):
    with app.app_context():
        project = db.session.get(Project, world.project)
        extra = store(project, "pending.jpg", png_bytes(), "image/png")
        absurd = store(project, "absurd.jpg", png_bytes(), "image/png")
        bad_box = store(project, "badbox.tif", b"II*\x00", "image/tiff")
        db.session.add_all(
            [
                FileMedia(file_id=extra.id, kind=IMAGE, status=PENDING, latitude=1, longitude=1),
                FileMedia(file_id=absurd.id, kind=IMAGE, status=READY, latitude=123.0, longitude=500.0),
                FileMedia(file_id=bad_box.id, kind=GEOTIFF, status=READY, overlay_key="k", overlay_bounds=[5, 5, 1, 1]),
            ]
        )
        db.session.commit()
        thread = [SimpleNamespace(id=7, pin_lat=51.455, pin_lon=-2.588, sender_name="Op", body="Here")]
        client_view = site_map.build(project, thread, client=True)
        operator_view = site_map.build(project, thread, client=False)
    assert client_view.site == SITE and [p.file_id for p in client_view.photos] == [world.image]
    assert [o.file_id for o in client_view.overlays] == [world.overlay]
    assert {p.file_id for p in operator_view.photos} == {world.image, world.secret}
    assert {o.file_id for o in operator_view.overlays} == {world.overlay, world.secret_overlay}
    assert [(p.number, p.message_id) for p in client_view.pins] == [(1, 7)]


def _img_src(response) -> list[str]:
    policy = dict(
        part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";") if part.strip()
    )
    return policy["img-src"].split()


def test_csp_img_src_allows_exactly_the_tile_host(database_url, tmp_path):
    default = make_test_app(database_url, tmp_path).test_client().get("/login")
    assert _img_src(default) == ["'self'", "data:", "blob:", "https://tile.openstreetmap.org"]
    custom = make_test_app(
        database_url, tmp_path, MAP_TILE_URL="https://{s}.tiles.example.com/base/{z}/{x}/{y}.png"
    ).test_client()
    assert _img_src(custom.get("/login")) == ["'self'", "data:", "blob:", "https://*.tiles.example.com"]


def test_the_vendored_leaflet_matches_the_pinned_integrity_hash(database_url, tmp_path):
    import base64
    import hashlib
    from pathlib import Path

    from portal.config import LEAFLET_CDN_URL, from_environment

    vendored = Path(__file__).resolve().parents[2] / "portal/static/vendor/leaflet-1.9.4"
    digest = base64.b64encode(hashlib.sha384((vendored / "leaflet.js").read_bytes()).digest()).decode()
    assert from_environment({})["LEAFLET_SRI"] == f"sha384-{digest}"
    assert (vendored / "images/marker-icon.png").exists() and (vendored / "leaflet.css").exists()
    assert LEAFLET_CDN_URL in from_environment({"HTMX_USE_CDN": "1"})["CDN_SCRIPT_URLS"]
    app = make_test_app(database_url, tmp_path, HTMX_USE_CDN=True, CDN_SCRIPT_URLS=[LEAFLET_CDN_URL])
    with app.app_context():
        org = make_org(slug="cdn")
        user = make_user(org)
        project = make_project(org)
        project_id = project.id
        browser = app.test_client()
        login(browser, user, org)
    html = browser.get(f"/app/projects/{project_id}").text
    assert f'<script src="{LEAFLET_CDN_URL}" integrity="sha384-{digest}" crossorigin="anonymous" defer>' in html
