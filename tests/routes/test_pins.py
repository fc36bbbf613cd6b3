"""Pinned comments on a photo (a point) and a video (a moment), from both sides, full page and htmx fragment."""

import pytest

from portal.extensions import db
from portal.models import Message, Notification, Project
from portal.services import pins
from portal.services.activity import Actor
from portal.services.errors import ServiceError
from tests.conftest import HX, login
from tests.media_world import make_media_world, open_portal, operator_browser


@pytest.fixture
def world(app):
    with app.app_context():
        return make_media_world()


def _messages(app):
    with app.app_context():
        return db.session.execute(db.select(Message).where(Message.file_id.is_not(None))).scalars().all()


def test_client_pins_a_point_on_a_photo_as_a_fragment(app, world):
    browser = open_portal(app, world)
    photo = world.photo_ids[0]
    page = browser.get(world.url(f"/files/{photo}/pins"))
    assert page.status_code == 200 and "data-pin-stage" in page.text and 'name="x"' in page.text
    response = browser.post(
        world.url(f"/files/{photo}/pins"), data={"body": "Crack here?", "x": "0.25", "y": "0.75"}, headers=HX
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert 'id="pins"' in response.text and "left: 25.000%; top: 75.000%" in response.text
    assert "Comment posted." in response.text and "Crack here?" in response.text
    [message] = _messages(app)
    assert (message.file_id, message.pin_x, message.pin_y, message.pin_time) == (photo, 0.25, 0.75, None)
    assert message.sender_type == "client"
    thread = browser.get(world.url(f"/projects/{world.project_id}")).text
    assert f'href="{world.url(f"/files/{photo}/pins")}#pin-{message.id}"' in thread and "(pinned to a spot)" in thread
    with app.app_context():  # the operators are told, as for any message from the client
        assert db.session.execute(db.select(Notification)).scalars().all()


def test_client_pins_a_moment_of_the_video_without_javascript(app, world):
    browser = open_portal(app, world)
    response = browser.post(world.url(f"/files/{world.video_id}/pins"), data={"body": "Pause here", "time": "3.5"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/files/{world.video_id}/pins#pins")
    [message] = _messages(app)
    assert message.pin_time == 3.5 and message.pin_x is None
    page = browser.get(world.url(f"/files/{world.video_id}/pins")).text
    assert 'data-seek="3.5"' in page and "at 0:03" in page and 'name="time"' in page and 'max="12.5"' in page


def test_a_comment_without_a_pin_still_works(app, world):
    browser = open_portal(app, world)
    response = browser.post(world.url(f"/files/{world.photo_ids[1]}/pins"), data={"body": "Nice light", "x": ""})
    assert response.status_code == 303
    [message] = _messages(app)
    assert message.pin_x is None and message.pin_time is None and message.body == "Nice light"


@pytest.mark.parametrize(
    "target, data, expected",
    [
        ("photo", {"x": "1.2", "y": "0.5"}, "outside the image"),
        ("photo", {"x": "-0.1", "y": "0.5"}, "outside the image"),
        ("photo", {"x": "nan", "y": "0.5"}, "must be a number"),
        ("photo", {"x": "inf", "y": "0.5"}, "must be a number"),
        ("photo", {"x": "abc", "y": "0.5"}, "must be a number"),
        ("photo", {"x": "0.5"}, "both its position"),
        ("photo", {"time": "2"}, "video only"),
        ("video", {"time": "13"}, "outside the video"),
        ("video", {"time": "-1"}, "outside the video"),
        ("video", {"x": "0.5", "y": "0.5"}, "image only"),
        ("pending", {"x": "0.5", "y": "0.5"}, None),  # a pending image still takes a point: its bounds are 0..1
        ("photo", {"x": "0.5", "y": "0.5", "body": ""}, "Write a message first."),
        ("photo", {"x": "0.5", "y": "0.5", "body": "x" * 10_001}, "under 10,000 characters"),
    ],
)
def test_bad_pins_are_refused_clearly_and_nothing_is_stored(app, world, target, data, expected):
    file_id = {"photo": world.photo_ids[0], "video": world.video_id, "pending": world.pending_id}[target]
    browser = open_portal(app, world)
    fragment = browser.post(world.url(f"/files/{file_id}/pins"), data={"body": "Hi", **data}, headers=HX)
    if expected is None:
        assert fragment.status_code == 200 and len(_messages(app)) == 1
        return
    assert fragment.status_code == 200 and expected in fragment.text and 'role="alert"' in fragment.text
    page = browser.post(world.url(f"/files/{file_id}/pins"), data={"body": "Hi", **data})
    assert page.status_code == 422 and expected in page.text and "<html" in page.text
    assert _messages(app) == []


@pytest.mark.parametrize("which", ["hidden_id", "other_project_file_id"])
def test_client_cannot_pin_what_it_cannot_see(app, world, which):
    browser = open_portal(app, world)
    file_id = getattr(world, which)
    assert browser.get(world.url(f"/files/{file_id}/pins")).status_code == 404
    response = browser.post(world.url(f"/files/{file_id}/pins"), data={"body": "Hi", "x": "0.5", "y": "0.5"})
    assert response.status_code == 404 and _messages(app) == []


def test_the_service_refuses_a_file_of_another_project(app, world):
    with app.app_context():
        project = db.session.get(Project, world.project_id)
        actor = Actor.client("client@example.com", "127.0.0.1", "test")
        with pytest.raises(ServiceError, match="not part of this project"):
            pins.pin_client_comment(project, actor, "Casey", world.other_project_file_id, "Hi", x=0.5, y=0.5)
        with pytest.raises(ServiceError, match="not part of this project"):
            pins.pin_client_comment(project, actor, "Casey", world.hidden_id, "Hi", x=0.5, y=0.5)
        db.session.rollback()
    assert _messages(app) == []


def test_operator_pins_on_both_kinds_full_page_and_fragment(app, world):
    browser = operator_browser(app, world)
    page = browser.get(f"/app/files/{world.photo_ids[2]}/pins")
    assert page.status_code == 200 and "data-pin-stage" in page.text
    fragment = browser.post(
        f"/app/files/{world.photo_ids[2]}/pins", data={"body": "Reshoot", "x": "0", "y": "1"}, headers=HX
    )
    assert fragment.status_code == 200 and "<html" not in fragment.text and "Reshoot" in fragment.text
    plain = browser.post(f"/app/files/{world.video_id}/pins", data={"body": "Cut here", "time": "12.5"})
    assert plain.status_code == 303
    refused = browser.post(f"/app/files/{world.video_id}/pins", data={"body": "Cut", "time": "99"})
    assert refused.status_code == 422 and "outside the video" in refused.text
    internal = browser.post(f"/app/files/{world.hidden_id}/pins", data={"body": "Note", "x": ".5", "y": ".5"})
    assert internal.status_code == 303
    stored = {m.body: m for m in _messages(app)}
    assert set(stored) == {"Reshoot", "Cut here", "Note"}
    assert (stored["Reshoot"].pin_x, stored["Reshoot"].pin_y) == (0.0, 1.0) and stored["Cut here"].pin_time == 12.5
    assert stored["Note"].internal  # a pin on a hidden file stays an internal note
    thread = browser.get(f"/app/projects/{world.project_id}").text
    assert f'href="/app/files/{world.video_id}/pins#pin-{stored["Cut here"].id}"' in thread
    client_view = open_portal(app, world).get(world.url(f"/files/{world.photo_ids[2]}/pins")).text
    assert "Reshoot" in client_view and 'class="pin-marker"' in client_view


def test_operator_of_another_org_cannot_pin(app, world):
    from tests.factories import make_org, make_user

    with app.app_context():
        org = make_org("Elsewhere", slug="elsewhere")
        browser = login(app.test_client(), make_user(org), org)
        db.session.remove()
    response = browser.post(f"/app/files/{world.photo_ids[0]}/pins", data={"body": "Hi", "x": ".5", "y": ".5"})
    assert response.status_code == 404 and _messages(app) == []
