"""A project shared with a client whose deliverable holds photos and a video with their web-sized copies, made the
way the preview job leaves them: a FileMedia row and the derived objects in storage."""

from __future__ import annotations

import io
from dataclasses import dataclass

from portal.extensions import db
from portal.models import FileMedia, Organization, User
from portal.models.media import IMAGE, PENDING, READY, VIDEO
from portal.services import files
from portal.services.activity import Actor
from portal.storage import get_storage, new_key
from tests.conftest import login
from tests.factories import make_client, make_deliverable, make_link, make_org, make_project, make_user
from tests.portal_world import InPortal, store
from tests.samples import jpeg_bytes, png_bytes

# Bytes that stand for a video in route tests: ranges are about bytes, not codecs.
FAKE_MP4 = bytes(range(256)) * 40
OPERATOR = Actor("operator", "Olive Operator")


@dataclass
class MediaWorld(InPortal):
    """Ids of everything a gallery or pin test touches (plain values: usable outside the app context)."""

    slug: str
    org_id: int
    user_id: int
    project_id: int
    deliverable_id: int
    photo_ids: list
    pending_id: int
    video_id: int
    hidden_id: int
    other_project_file_id: int
    token: str
    proxy_bytes: bytes


def _derived(data: bytes, extension: str, content_type: str) -> str:
    key = new_key("media/test", extension)
    get_storage().save(io.BytesIO(data), key, content_type)
    return key


def add_media(
    file,
    kind: str,
    *,
    status: str = READY,
    duration: float | None = None,
    video: bytes | None = None,
    ext="mp4",
    preview: bytes | None = None,
):
    """The preview job's result for a file: its FileMedia row and, when ready, its derived objects."""
    media = FileMedia(file_id=file.id, kind=kind, status=status, width=1600, height=1200, duration=duration)
    if status == READY and kind == IMAGE:
        media.preview_key = _derived(preview or jpeg_bytes((320, 240)), "jpg", "image/jpeg")
        media.thumb_key = _derived(preview or jpeg_bytes((160, 120)), "jpg", "image/jpeg")
    if status == READY and kind == VIDEO:
        media.width, media.height = 64, 48
        media.poster_key = _derived(jpeg_bytes((64, 48)), "jpg", "image/jpeg")
        media.proxy_key = _derived(video or FAKE_MP4, ext, f"video/{ext}")
    db.session.add(media)
    db.session.commit()
    return media


def make_media_world(*, slug: str = "acme", video: bytes | None = None) -> MediaWorld:
    """Build the world (inside an app context); open the portal session with ``open_portal`` outside it."""
    org = make_org("Acme Drones", slug=slug)
    user = make_user(org)
    customer = make_client(org, email="client@example.com", name="Casey Client")
    project = make_project(org, customer, name="Harbour survey", status="delivered")
    other = make_project(org, customer, name="Other site", status="delivered")
    deliverable = make_deliverable(project, title="Site photos", client_visible=True, status="ready", version=1)
    photos = [store(project, f"DJI_000{n}.JPG", jpeg_bytes((64, 48)), "image/jpeg", deliverable) for n in (1, 2, 3)]
    for photo in photos:
        add_media(photo, IMAGE)
    pending = store(project, "DJI_0009.JPG", jpeg_bytes(), "image/jpeg", deliverable)
    add_media(pending, IMAGE, status=PENDING)
    clip = store(project, "flight.mov", b"original-hevc", "video/quicktime", deliverable)
    add_media(clip, VIDEO, duration=12.5, video=video)
    hidden = store(project, "hidden.jpg", jpeg_bytes(), "image/jpeg", deliverable, visible=False)
    add_media(hidden, IMAGE)
    elsewhere = store(other, "other.png", png_bytes(), "image/png")
    add_media(elsewhere, IMAGE)
    _link, token = make_link(org, customer, project, name="Casey Client")
    proxy = b"".join(get_storage().iter_chunks(db.session.get(FileMedia, clip.id).proxy_key))
    world = MediaWorld(
        org.slug,
        org.id,
        user.id,
        project.id,
        deliverable.id,
        [p.id for p in photos],
        pending.id,
        clip.id,
        hidden.id,
        elsewhere.id,
        token,
        proxy,
    )
    db.session.remove()
    return world


def open_portal(app, world: MediaWorld):
    """A test client with the client's portal session open."""
    browser = app.test_client()
    assert browser.post(f"/p/{world.token}").status_code == 303
    return browser


def operator_browser(app, world: MediaWorld):
    """A test client signed in as the world's operator."""
    with app.app_context():
        browser = login(
            app.test_client(), db.session.get(User, world.user_id), db.session.get(Organization, world.org_id)
        )
        db.session.remove()
    return browser


def upload_as_operator(project, *named: tuple[str, bytes]) -> list[int]:
    """Upload (name, bytes) pairs to the project through the files service, as an operator; the files' ids."""
    stored = files.upload_files(project, OPERATOR, [(name, io.BytesIO(data)) for name, data in named])
    return [f.id for f in stored]


def media_row(file_id: int) -> FileMedia | None:
    """The file's media row as the database holds it now."""
    db.session.expire_all()
    return db.session.get(FileMedia, file_id)
