"""Pages while previews are made: "Processing" in both file lists, the job's thumbnails once ready."""

from __future__ import annotations

from portal.extensions import db
from portal.jobs.previews import make_previews
from portal.models import FileMedia
from portal.models.media import READY
from portal.services import media
from portal.storage import get_storage
from tests import media_samples
from tests.conftest import HX, login
from tests.factories import make_user
from tests.portal_world import make_world, store


def _pending_file(world, name, data, content_type) -> int:
    file = store(world.project, name, data, content_type, world.review)
    media.add_pending([file])
    db.session.commit()
    return file.id


def test_pending_media_shows_processing_on_both_sides_until_ready(app):
    with app.app_context():
        world = make_world(app, slug="processing")
        file_id = _pending_file(world, "flight.mp4", media_samples.video_bytes(), "video/mp4")
        operator = login(app.test_client(), make_user(world.org), world.org)
        project_id = world.project.id
        page_url, thumb_url = world.url(f"/projects/{project_id}"), world.url(f"/files/{file_id}/thumb")
        db.session.remove()
    page = world.browser.get(page_url)
    assert page.status_code == 200 and 'class="badge s-pending">Processing' in page.text
    dashboard = operator.get(f"/app/projects/{project_id}")
    assert 'class="badge s-pending">Processing' in dashboard.text
    fragment = operator.get(f"/app/projects/{project_id}/files", headers=HX)
    assert fragment.status_code == 200 and "Processing" in fragment.text and "<html" not in fragment.text
    assert "every 5s" in fragment.text  # the list refreshes itself until the previews are made
    with app.app_context():
        make_previews(file_id)
        db.session.remove()
    assert "Processing" not in world.browser.get(page_url).text
    assert "Processing" not in operator.get(f"/app/projects/{project_id}").text
    # The video now has the job's thumbnail, served to the client.
    thumb = world.browser.get(thumb_url)
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg" and thumb.data[:2] == b"\xff\xd8"


def test_failed_previews_tell_the_operator_why_and_the_client_nothing(app):
    with app.app_context():
        world = make_world(app, slug="failed-preview")
        file_id = _pending_file(world, "broken.jpg", media_samples.truncated_jpeg(), "image/jpeg")
        make_previews(file_id)
        operator = login(app.test_client(), make_user(world.org), world.org)
        project_id = world.project.id
        page_url = world.url(f"/projects/{project_id}")
        db.session.remove()
    dashboard = operator.get(f"/app/projects/{project_id}")
    assert "No preview" in dashboard.text and "damaged or incomplete" in dashboard.text
    page = world.browser.get(page_url)
    assert "damaged" not in page.text and "Processing" not in page.text


def test_the_client_thumbnail_is_the_jobs_once_ready(app):
    with app.app_context():
        world = make_world(app, slug="job-thumb")
        file_id = _pending_file(world, "site.jpg", media_samples.gps_jpeg(size=(1600, 1200)), "image/jpeg")
        make_previews(file_id)
        with get_storage().open(db.session.get(FileMedia, file_id).thumb_key) as made:
            expected = made.read()
        thumb_url = world.url(f"/files/{file_id}/thumb")
        db.session.remove()
    response = world.browser.get(thumb_url)
    assert response.status_code == 200 and response.data == expected


def test_a_foreign_or_hidden_files_thumbnail_is_a_404(app):
    with app.app_context():
        world = make_world(app, slug="thumb-guard")
        other = make_world(app, slug="thumb-other")
        foreign_id = _pending_file(other, "theirs.jpg", media_samples.plain_jpeg(), "image/jpeg")
        make_previews(foreign_id)
        hidden = store(world.project, "hidden.jpg", media_samples.plain_jpeg(), "image/jpeg", visible=False)
        media.add_pending([hidden])
        db.session.commit()
        make_previews(hidden.id)
        urls = [world.url(f"/files/{file_id}/thumb") for file_id in (foreign_id, hidden.id)]
        assert db.session.get(FileMedia, hidden.id).status == READY
        db.session.remove()
    assert [world.browser.get(url).status_code for url in urls] == [404, 404]
