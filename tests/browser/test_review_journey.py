"""The whole review as a client does it, on media the preview job really processed: the gallery, a pin on a photo
and on the map, the video playing by ranges, approving version 2 and its certificate, confirmed by the public page;
axe on every page visited and 375 px without sideways scrolling."""

from __future__ import annotations

import io
import re
import subprocess
import time

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.jobs.previews import make_previews
from portal.models import FileMedia
from portal.models.media import IN_PROGRESS, READY
from portal.services import files, versions
from portal.services.activity import Actor
from tests.browser.conftest import PHONE
from tests.browser.helpers import (
    assert_accessible,
    assert_no_sideways_scroll,
    assert_tap_targets,
    assert_video_plays,
    enter_portal,
    pin_first_comment,
    plain_tiles,
    unique,
)
from tests.factories import make_client, make_deliverable, make_link, make_org, make_project, make_user
from tests.media_samples import gps_jpeg, plain_jpeg, video_bytes

SITE = (59.9075, 10.7365)
# North-east of the site: the map's south-east quarter stays free for the client's click.
PHOTOS = {"DJI_0001.JPG": (59.9081, 10.7372), "DJI_0002.JPG": (59.9089, 10.7391)}
CAMERA = "DJI FC3582"


def _wait_for_previews(file_ids: list[int], timeout: float = 30) -> None:
    """Every file's previews are made; the job ran inline here or on the live server's worker (one claim wins)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        rows = db.session.execute(db.select(FileMedia).where(FileMedia.file_id.in_(file_ids))).scalars().all()
        if len(rows) == len(file_ids) and not any(row.status in IN_PROGRESS for row in rows):
            assert {row.status for row in rows} == {READY}, [(r.file_id, r.status, r.error) for r in rows]
            return
        time.sleep(0.1)  # the worker may hold a claim: look again shortly
    raise AssertionError(f"previews of {file_ids} not made within {timeout} s")


def _seed(live) -> dict:
    """A project at its site whose deliverable the operator sent as version 2: two GPS photos and a flight video."""
    with live.context():
        org = make_org("Fjord Aerial", slug=unique("fjord"))
        operator = make_user(org, email=f"{unique('op')}@example.com", name="Olga Operator")
        customer = make_client(org, email=f"{unique('client')}@example.com", name="Casey Client")
        project = make_project(org, customer, name="Quay survey", status="delivered", location="Oslo harbour")
        project.site_lat, project.site_lon = SITE
        db.session.commit()
        survey = make_deliverable(project, title="Site survey", client_visible=True, status="ready", version=1)
        actor = Actor.operator(operator)
        (first,) = files.upload_files(
            project,
            actor,
            [("DJI_0001.JPG", io.BytesIO(plain_jpeg()))],
            deliverable_id=survey.id,
            client_visible=True,
        )
        versions.new_version(
            survey,
            actor,
            expected=1,
            actions={},
            replacements={first.id: ("DJI_0001.JPG", io.BytesIO(gps_jpeg(*PHOTOS["DJI_0001.JPG"])))},
            additions=[
                ("DJI_0002.JPG", io.BytesIO(gps_jpeg(*PHOTOS["DJI_0002.JPG"], taken="2026:05:04 10:31:00"))),
                ("flight.mp4", io.BytesIO(video_bytes(seconds=2.0))),
            ],
            note="Re-flown at noon for better light.",
        )
        current = {f.filename: f for f in versions.current_files(survey.id)}
        assert sorted(current) == ["DJI_0001.JPG", "DJI_0002.JPG", "flight.mp4"]
        made = [first.id, *(f.id for f in current.values())]
        for file_id in made:
            make_previews(file_id)
        _wait_for_previews(made)
        video = db.session.get(FileMedia, current["flight.mp4"].id)
        assert video.codec == "h264" and video.proxy_key is None, "an H.264 MP4 plays as it is"
        photo = db.session.get(FileMedia, current["DJI_0001.JPG"].id)
        assert photo.camera == CAMERA and abs(photo.latitude - PHOTOS["DJI_0001.JPG"][0]) < 1e-4
        _link, token = make_link(org, customer, project, name="Casey Client")
        seeded = {
            "slug": org.slug,
            "project": project.id,
            "deliverable": survey.id,
            "photo": current["DJI_0001.JPG"].id,
            "photo_sha256": current["DJI_0001.JPG"].sha256,
            "video": current["flight.mp4"].id,
            "token": token,
        }
        db.session.remove()
        return seeded


def _close_viewer(page) -> None:
    """Press Escape until the viewer is gone: PhotoSwipe ignores it while its opening zoom still runs."""
    for _ in range(10):
        page.keyboard.press("Escape")
        try:
            expect(page.locator(".pswp")).to_have_count(0, timeout=500)
            return
        except AssertionError:
            continue
    raise AssertionError("the viewer did not close")


@pytest.mark.timeout(180)
def test_client_reviews_gallery_pins_map_video_and_approves_with_certificate(live_server, new_page, tmp_path):
    live = live_server
    seeded = _seed(live)
    project_url = live(f"/portal/{seeded['slug']}/projects/{seeded['project']}")
    pins_url = live(f"/portal/{seeded['slug']}/files/{seeded['photo']}/pins")

    page = new_page()
    plain_tiles(page)
    enter_portal(page, live, seeded["token"], None)
    video_answers = []
    video_path = f"/files/{seeded['video']}/"
    page.on("response", lambda r: video_answers.append(r.status) if video_path in r.url else None)
    page.goto(project_url)
    card = page.locator(f"#deliverable-{seeded['deliverable']}")
    expect(card).to_contain_text("version 2")
    gallery = card.locator("[data-gallery]")
    expect(gallery.locator("a[data-pswp-width] img")).to_have_count(2)
    expect(page.locator("#site-map .leaflet-container")).to_be_visible()
    assert_accessible(page, "project page")

    # The full-screen viewer: open the first photo, move to the next, close it.
    gallery.locator("a[data-pswp-width]").first.click()
    expect(page.locator(".pswp__counter")).to_have_text(re.compile(r"1\s*/\s*2"))
    page.get_by_role("button", name="Next photo").click()
    expect(page.locator(".pswp__counter")).to_have_text(re.compile(r"2\s*/\s*2"))
    expect(page.get_by_role("link", name="Comment on this photo")).to_have_attribute(
        "href", re.compile(r"/files/\d+/pins$")
    )
    _close_viewer(page)

    # The video plays in the page, its bytes fetched by range.
    assert_video_plays(page, card.locator(f"#video-{seeded['video']} video"), 0.3)
    assert 206 in video_answers, f"the video was not fetched by range: {video_answers}"

    # A click on the map (away from the site and photo markers) chooses the spot; the pin is listed and in the thread.
    page.locator("#site-map").evaluate("section => section.scrollIntoView()")
    expect(page.locator("#site-map .leaflet-marker-icon")).to_have_count(3)  # the site and both photos
    box = page.locator("#site-map .leaflet-container").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.75)
    expect(page.get_by_label("Latitude", exact=True)).not_to_have_value("")
    page.get_by_label("Comment", exact=True).fill("Is the fence here ours?")
    page.get_by_role("button", name="Pin comment").click()
    expect(page.locator("#site-map .map-list li[data-map-kind=pin]")).to_contain_text("Is the fence here ours?")
    expect(page.locator("#thread-messages")).to_contain_text("Is the fence here ours?")
    assert_accessible(page, "project page after pinning on the map")

    # A comment pinned to a spot of the photo: the numbered marker, the list beside it, and the thread's link back.
    page.get_by_role("link", name="Comment on DJI_0001.JPG").click()
    stage = page.locator("[data-pin-stage]")
    expect(stage).to_be_visible()
    expect(stage.locator("img")).to_have_js_property("complete", True)
    assert_accessible(page, "the photo's comments")
    pin_first_comment(page, 0.3, 0.6, "Crack on the pier's edge?", tolerance=0.02)
    expect(page.locator(".pin-list")).to_contain_text("Crack on the pier's edge?")
    assert_accessible(page, "the photo's comments with a pin")
    page.goto(project_url)
    thread = page.locator("#thread-messages")
    expect(thread).to_contain_text("(pinned to a spot): Crack on the pier's edge?")
    thread.get_by_role("link", name="DJI_0001.JPG").click()
    expect(page).to_have_url(re.compile(r"/files/\d+/pins#pin-\d+$"))
    expect(page.locator(".pin-marker")).to_have_text("1")

    # Approve the current version, download its certificate and read it.
    page.goto(project_url)
    card = page.locator(f"#deliverable-{seeded['deliverable']}")
    card.get_by_role("button", name="Approve Site survey").click()
    expect(card.get_by_label("Decision receipt")).to_contain_text("version 2")
    assert_accessible(page, "project page after approving")
    with page.expect_download() as download_info:
        card.get_by_role("link", name=re.compile("Download the certificate")).click()
    pdf = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf)
    raw = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    text = " ".join(raw.split())
    assert "Site survey, version 2" in text and "Approved" in text, text
    assert seeded["photo_sha256"] in text, text
    assert f"camera: {CAMERA}" in text, text
    positions = [tuple(map(float, found)) for found in re.findall(r"latitude: ([\d.]+); longitude: ([\d.]+)", text)]
    assert any(
        abs(lat - PHOTOS["DJI_0001.JPG"][0]) < 1e-5 and abs(lon - PHOTOS["DJI_0001.JPG"][1]) < 1e-5
        for lat, lon in positions
    ), text
    assert "captured at: 2026-05-04T08:30:00+00:00" in text, text  # 10:30 at +02:00 on the camera's clock
    address = re.search(r"Verify at: (\S+)", text).group(1)
    assert address.startswith(live("/verify/"))

    # The public page confirms it, on a desktop and on a phone.
    visitor = new_page()
    visitor.goto(address)
    expect(visitor.get_by_role("heading", level=1)).to_have_text("This certificate is genuine")
    expect(visitor.locator("main")).to_contain_text(seeded["photo_sha256"])
    expect(visitor.locator("main")).to_contain_text("Site survey, version 2")
    assert_accessible(visitor, "verification page")

    # At 375 px: the project page (gallery, video, map, thread), the photo's comments and the verification page.
    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    plain_tiles(phone)
    enter_portal(phone, live, seeded["token"], None)
    phone.goto(project_url)
    expect(phone.locator("[data-gallery] a[data-pswp-width] img")).to_have_count(2)
    expect(phone.locator("#site-map .leaflet-container")).to_be_visible()
    assert_no_sideways_scroll(phone, "project page at 375 px")
    assert_tap_targets(phone, "project page at 375 px")
    assert_accessible(phone, "project page at 375 px")
    # A tap on the map pins a comment on a phone too.
    phone.locator("#site-map").evaluate("section => section.scrollIntoView()")
    expect(phone.locator("#site-map .leaflet-marker-icon")).to_have_count(4)  # the site, both photos, pin 1
    box = phone.locator("#site-map .leaflet-container").bounding_box()
    phone.touchscreen.tap(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.8)
    expect(phone.get_by_label("Latitude", exact=True)).not_to_have_value("")
    phone.get_by_label("Comment", exact=True).fill("Tapped on the phone")
    phone.get_by_role("button", name="Pin comment").tap()
    expect(phone.locator("#site-map .map-list li[data-map-kind=pin]")).to_have_count(2)
    expect(phone.locator("#thread-messages")).to_contain_text("Tapped on the phone")
    assert_no_sideways_scroll(phone, "project page at 375 px after pinning")
    phone.goto(pins_url)
    expect(phone.locator(".pin-marker")).to_have_text("1")
    assert_no_sideways_scroll(phone, "the photo's comments at 375 px")
    assert_tap_targets(phone, "the photo's comments at 375 px")
    assert_accessible(phone, "the photo's comments at 375 px")
    phone.goto(address)
    expect(phone.get_by_role("heading", level=1)).to_have_text("This certificate is genuine")
    assert_no_sideways_scroll(phone, "verification page at 375 px")
    assert_tap_targets(phone, "verification page at 375 px")
    assert_accessible(phone, "verification page at 375 px")
