"""Reviewing photos and a video in the portal: the full-screen gallery, a pinned comment, the video playing."""

from __future__ import annotations

import io
import re

from playwright.sync_api import expect

from portal.extensions import db
from portal.models.media import IMAGE, VIDEO
from tests.browser.conftest import PHONE
from tests.browser.helpers import (
    assert_accessible,
    assert_no_sideways_scroll,
    assert_same_document,
    assert_tap_targets,
    assert_video_plays,
    enter_portal,
    log_in,
    mark_document,
    pin_first_comment,
    unique,
)
from tests.factories import make_client, make_deliverable, make_link, make_org, make_project, make_user
from tests.media_world import add_media
from tests.portal_world import store

# A second and a half of a changing canvas, recorded by Chromium itself as WebM: a real, playable video.
RECORD_WEBM = """
async () => {
  const canvas = Object.assign(document.createElement('canvas'), {width: 160, height: 120});
  document.body.appendChild(canvas);
  const paint = canvas.getContext('2d');
  const recorder = new MediaRecorder(canvas.captureStream(25), {mimeType: 'video/webm;codecs=vp8'});
  const chunks = [];
  recorder.ondataavailable = (event) => chunks.push(event.data);
  const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
  let frame = 0;
  const timer = setInterval(() => {
    paint.fillStyle = `hsl(${frame++ * 12}, 70%, 45%)`;
    paint.fillRect(0, 0, 160, 120);
  }, 40);
  recorder.start(100);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  recorder.stop();
  clearInterval(timer);
  await stopped;
  return Array.from(new Uint8Array(await new Blob(chunks).arrayBuffer()));
}
"""


def _site_photo(index: int) -> bytes:
    """A small picture of a quay from the air, different for each photo, so the viewer's moves can be seen."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (800, 600), (36, 99, 142))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 380 - index * 40, 800, 600), fill=(120, 128, 112))
    draw.rectangle((260 + index * 60, 120, 340 + index * 60, 520), fill=(176, 141, 87))
    draw.ellipse((560, 60, 660, 160), fill=(240, 240, 235))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _seed(live, video: bytes) -> dict:
    with live.context():
        org = make_org("Skyline Drones", slug=unique("sky"))
        operator = make_user(org, email=f"{unique('op')}@example.com")
        customer = make_client(org, email=f"{unique('client')}@example.com", name="Casey Client")
        project = make_project(org, customer, name="Quay inspection", status="delivered")
        photos = make_deliverable(project, title="Site photos", client_visible=True, status="ready", format="JPEG")
        shots = [store(project, f"DJI_000{n + 1}.JPG", _site_photo(n), "image/jpeg", photos) for n in range(3)]
        for n, photo in enumerate(shots):
            add_media(photo, IMAGE, preview=_site_photo(n))
        first = shots[0].id
        clip = store(project, "flight.webm", video, "video/webm", photos)
        add_media(clip, VIDEO, duration=1.5, video=video, ext="webm")
        _link, token = make_link(org, customer, project, name="Casey Client")
        seeded = {
            "slug": org.slug,
            "project": project.id,
            "photo": first,
            "video": clip.id,
            "token": token,
            "operator": operator.email,
        }
        db.session.remove()
        return seeded


def test_client_reviews_photos_and_video(live_server, new_page, screenshot):
    live = live_server
    page = new_page()
    page.goto(live("/login"))
    video = bytes(page.evaluate(RECORD_WEBM))
    assert video[:4] == b"\x1a\x45\xdf\xa3"  # an EBML (WebM) header
    seeded = _seed(live, video)
    enter_portal(page, live, seeded["token"], None)
    ranges = []
    page.on("response", lambda r: ranges.append(r.status) if "/media/proxy" in r.url else None)
    page.goto(live(f"/portal/{seeded['slug']}/projects/{seeded['project']}"))
    gallery = page.locator("[data-gallery]")
    expect(gallery.locator("img")).to_have_count(3)
    assert_accessible(page, "project page with the gallery")

    # The full-screen viewer: open the first photo, move to the next with the keyboard, close it.
    gallery.locator("a[data-pswp-width]").first.click()
    viewer = page.locator(".pswp")
    expect(page.locator(".pswp.pswp--open")).to_be_visible()
    page.wait_for_timeout(400)  # the opening zoom runs for about a third of a second
    expect(page.locator(".pswp__counter")).to_have_text(re.compile(r"1\s*/\s*3"))
    page.keyboard.press("ArrowRight")
    expect(page.locator(".pswp__counter")).to_have_text(re.compile(r"2\s*/\s*3"))
    page.get_by_role("button", name="Next photo").click()
    expect(page.locator(".pswp__counter")).to_have_text(re.compile(r"3\s*/\s*3"))
    comment = page.get_by_role("link", name="Comment on this photo")
    expect(comment).to_have_attribute("href", re.compile(r"/files/\d+/pins$"))
    screenshot(page, "portal-gallery-desktop")
    page.keyboard.press("Escape")
    expect(viewer).to_have_count(0)

    # The video plays in the page, fetched by byte ranges.
    assert_video_plays(page, page.locator(f"#video-{seeded['video']} video"), 0.2)
    assert 206 in ranges, f"the proxy was not fetched by range: {ranges}"

    # A comment pinned to a spot of the first photo, by a click, answered in place.
    page.get_by_role("link", name="Comment on DJI_0001.JPG").click()
    stage = page.locator("[data-pin-stage]")
    expect(stage).to_be_visible()
    assert_accessible(page, "a photo's comments")
    mark_document(page)
    box = stage.locator("img").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.5)
    assert abs(float(page.get_by_label("Across").input_value()) - 0.25) < 0.02
    assert abs(float(page.get_by_label("Down").input_value()) - 0.5) < 0.02
    page.get_by_label("Your comment").fill("Is this crack new?")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".pin-list")).to_contain_text("Is this crack new?")
    expect(page.locator(".pin-marker")).to_have_text("1")
    assert_same_document(page)
    screenshot(page, "portal-pins-desktop")

    # From the keyboard: focus the photo; the first arrow puts the crosshair in the middle, the next ones move it.
    stage.focus()
    page.keyboard.press("ArrowRight")
    assert page.get_by_label("Across").input_value() == "0.5000"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowDown")
    assert page.get_by_label("Across").input_value() == "0.5100"
    assert page.get_by_label("Down").input_value() == "0.6000"


def test_the_gallery_and_pins_work_at_375_px_by_tap(live_server, new_page, screenshot):
    live = live_server
    recorder = new_page()
    recorder.goto(live("/login"))
    seeded = _seed(live, bytes(recorder.evaluate(RECORD_WEBM)))
    page = new_page(viewport=PHONE, has_touch=True, is_mobile=True)
    enter_portal(page, live, seeded["token"], None)
    page.goto(live(f"/portal/{seeded['slug']}/projects/{seeded['project']}"))
    expect(page.locator("[data-gallery] img")).to_have_count(3)
    assert_no_sideways_scroll(page, "project page with the gallery, phone")
    assert_tap_targets(page, "project page with the gallery, phone")
    assert_accessible(page, "project page with the gallery, phone")
    screenshot(page, "portal-gallery-phone")
    page.locator("[data-gallery] a[data-pswp-width]").nth(1).tap()
    expect(page.locator(".pswp__counter")).to_have_text(re.compile(r"2\s*/\s*3"))
    page.wait_for_timeout(400)  # the opening zoom
    page.get_by_role("button", name="Close (Esc)").tap()
    expect(page.locator(".pswp")).to_have_count(0)
    page.goto(live(f"/portal/{seeded['slug']}/files/{seeded['photo']}/pins"))
    pin_first_comment(page, 0.75, 0.25, "Tapped on a phone", tolerance=0.03, tap=True)
    assert_no_sideways_scroll(page, "a photo's comments, phone")
    assert_tap_targets(page, "a photo's comments, phone")
    assert_accessible(page, "a photo's comments, phone")


def test_operator_pins_the_videos_current_moment(live_server, new_page):
    live = live_server
    page = new_page()
    page.goto(live("/login"))
    seeded = _seed(live, bytes(page.evaluate(RECORD_WEBM)))
    log_in(page, live, seeded["operator"])
    page.goto(live(f"/app/projects/{seeded['project']}"))
    expect(page.locator("[data-gallery] img")).to_have_count(3)
    assert_accessible(page, "operator project page with the gallery")
    page.get_by_role("link", name="Comment on flight.webm").first.click()
    player = page.locator("[data-pin-video]")
    expect(player).to_be_visible()
    assert_accessible(page, "operator: a video's comments")
    page.evaluate("(v) => { v.muted = true; return v.play(); }", player.element_handle())
    page.wait_for_function("(v) => v.currentTime > 0.3", arg=player.element_handle(), timeout=10_000)
    page.evaluate("(v) => v.pause()", player.element_handle())
    page.get_by_role("button", name="Use the current moment").click()
    moment = float(page.get_by_label("Seconds into the video").input_value())
    assert moment > 0.2
    page.get_by_label("Your comment").fill("Cut the shaky start here")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".pin-list")).to_contain_text("Cut the shaky start here")
    expect(page.locator(".pin-list [data-seek]")).to_have_count(1)
