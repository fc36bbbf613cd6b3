"""A file's preview, thumbnail, poster and proxy on both sides: scoped, private, byte ranges on local storage."""

import pytest

from portal.extensions import db
from portal.models import FileMedia
from tests.conftest import HX, login
from tests.factories import make_org, make_user
from tests.media_world import make_media_world, open_portal, operator_browser


@pytest.fixture
def world(app):
    with app.app_context():
        return make_media_world()


@pytest.mark.parametrize("kind", ["preview", "thumb"])
def test_client_gets_a_photos_copies_privately(app, world, kind):
    browser = open_portal(app, world)
    response = browser.get(world.url(f"/files/{world.photo_ids[0]}/media/{kind}"))
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg" and response.data[:2] == b"\xff\xd8"
    assert response.headers["Cache-Control"] == "private, max-age=3600"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Accept-Ranges"] == "bytes"


def test_other_portal_pages_stay_no_store(app, world):
    browser = open_portal(app, world)
    page = browser.get(world.url(f"/projects/{world.project_id}"))
    assert page.headers["Cache-Control"] == "no-store"


def test_proxy_answers_a_range_with_206(app, world):
    browser = open_portal(app, world)
    url = world.url(f"/files/{world.video_id}/media/proxy")
    whole = browser.get(url)
    assert whole.status_code == 200 and whole.data == world.proxy_bytes and whole.mimetype == "video/mp4"
    part = browser.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(world.proxy_bytes)}"
    assert part.data == world.proxy_bytes[100:200] and part.headers["Content-Length"] == "100"
    tail = browser.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.data == world.proxy_bytes[-10:]
    beyond = browser.get(url, headers={"Range": f"bytes={len(world.proxy_bytes) + 5}-"})
    assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{len(world.proxy_bytes)}"
    hostile = browser.get(url, headers={"Range": "bytes=oops"})
    assert hostile.status_code == 200 and hostile.data == world.proxy_bytes


def test_poster_of_the_video(app, world):
    response = open_portal(app, world).get(world.url(f"/files/{world.video_id}/media/poster"))
    assert response.status_code == 200 and response.mimetype == "image/jpeg"


@pytest.mark.parametrize(
    "which, kind",
    [
        ("hidden_id", "preview"),  # not visible to the client
        ("other_project_file_id", "preview"),  # a project the link does not open
        ("pending_id", "preview"),  # still processing
        ("video_id", "preview"),  # a video has no preview, only poster and proxy
        ("photo", "original"),  # not a kind
        ("photo", "..%2f..%2fsecret"),
        ("missing", "preview"),
    ],
)
def test_client_gets_404_for_what_it_cannot_see(app, world, which, kind):
    file_id = {"photo": world.photo_ids[0], "missing": 999_999}.get(which) or getattr(world, which, None)
    response = open_portal(app, world).get(world.url(f"/files/{file_id}/media/{kind}"))
    assert response.status_code == 404


def test_without_a_portal_session_it_is_a_404(app, world):
    assert app.test_client().get(world.url(f"/files/{world.photo_ids[0]}/media/preview")).status_code == 404


def test_a_missing_object_is_a_404_not_a_500(app, world):
    with app.app_context():
        media = db.session.get(FileMedia, world.photo_ids[1])
        media.preview_key = "media/test/gone.jpg"
        db.session.commit()
    response = open_portal(app, world).get(world.url(f"/files/{world.photo_ids[1]}/media/preview"))
    assert response.status_code == 404


def test_operator_sees_every_file_of_the_org_with_ranges(app, world):
    browser = operator_browser(app, world)
    for file_id in (world.hidden_id, world.other_project_file_id, world.photo_ids[0]):
        assert browser.get(f"/app/files/{file_id}/media/preview").status_code == 200
    part = browser.get(f"/app/files/{world.video_id}/media/proxy", headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.data == world.proxy_bytes[:10]
    assert part.headers["Cache-Control"] == "private, max-age=3600"


def test_operator_of_another_org_gets_404(app, world):
    with app.app_context():
        stranger_org = make_org("Elsewhere", slug="elsewhere")
        browser = login(app.test_client(), make_user(stranger_org), stranger_org)
        db.session.remove()
    assert browser.get(f"/app/files/{world.photo_ids[0]}/media/preview").status_code == 404
    assert browser.get(f"/app/files/{world.photo_ids[0]}/pins").status_code == 404


def test_the_gallery_on_both_project_pages(app, world):
    page = open_portal(app, world).get(world.url(f"/projects/{world.project_id}")).text
    preview = world.url(f"/files/{world.photo_ids[0]}/media/preview")
    assert "data-gallery" in page and f'href="{preview}" data-pswp-width="1600" data-pswp-height="1200"' in page
    assert "Processing…" in page
    assert f'poster="{world.url(f"/files/{world.video_id}/media/poster")}"' in page
    assert f'src="{world.url(f"/files/{world.video_id}/media/proxy")}"' in page and 'preload="metadata"' in page
    assert "hidden.jpg" not in page
    assert 'rel="modulepreload"' in page and "photoswipe.esm.min.js" in page
    operator_page = operator_browser(app, world).get(f"/app/projects/{world.project_id}").text
    assert f'href="/app/files/{world.photo_ids[0]}/media/preview"' in operator_page and "hidden.jpg" in operator_page
    assert f'poster="/app/files/{world.video_id}/media/poster"' in operator_page


def test_the_gallery_block_as_a_fragment(app, world):
    browser = open_portal(app, world)
    response = browser.post(
        world.url(f"/deliverables/{world.deliverable_id}/comments"), data={"body": "Looks good"}, headers=HX
    )
    assert response.status_code == 200 and "<html" not in response.text and "data-gallery" in response.text


def test_a_video_still_processing_says_so_and_serves_nothing(app, world):
    from portal.models.media import PENDING

    with app.app_context():
        db.session.get(FileMedia, world.video_id).status = PENDING
        db.session.commit()
    browser = open_portal(app, world)
    page = browser.get(world.url(f"/projects/{world.project_id}")).text
    assert "Processing the video…" in page and f"/files/{world.video_id}/media/proxy" not in page
    own_page = browser.get(world.url(f"/files/{world.video_id}/pins")).text
    assert "Processing the video…" in own_page and "<video" not in own_page
    assert browser.get(world.url(f"/files/{world.video_id}/media/proxy")).status_code == 404
    refused = browser.post(world.url(f"/files/{world.video_id}/pins"), data={"body": "Hi", "time": "1"})
    assert refused.status_code == 422 and "still being processed" in refused.text
