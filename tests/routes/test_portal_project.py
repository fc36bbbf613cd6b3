"""The client's project page: stepper, review decisions, comments, thread, files, uploads."""

import hashlib
import io
import zipfile

import pytest

from portal.extensions import db
from portal.models import Activity, Deliverable, Message, StoredFile
from portal.models.message import MAX_BODY
from tests.conftest import HX
from tests.portal_world import make_world
from tests.samples import jpeg_bytes, png_bytes


@pytest.fixture
def world(app, ctx):
    return make_world(app)


def _page(world):
    return world.browser.get(world.url(f"/projects/{world.project.id}"))


def test_project_page_shows_only_visible_things(world):
    page = _page(world)
    assert page.status_code == 200
    assert 'aria-current="step"' in page.text and "Review<span" in page.text
    assert "Stills" in page.text and "pier.png" in page.text and "Stills are ready" in page.text
    assert "SECRET-DRAFT" not in page.text and "SECRET-FILE" not in page.text


def test_stepper_on_hold_and_cancelled(world):
    world.project.status, world.project.held_from, world.project.hold_reason = "on_hold", "scheduled", "Storm week"
    db.session.commit()
    page = _page(world).text
    assert "On hold: Storm week" in page and "Scheduled<span" in page
    world.project.status = "cancelled"
    db.session.commit()
    page = _page(world).text
    assert "This project was cancelled" in page and 'class="stepper"' not in page


def _decide(world, decision, reason="", version=1, headers=None, deliverable=None):
    deliverable = deliverable or world.review
    return world.browser.post(
        world.url(f"/deliverables/{deliverable.id}/decide"),
        headers=headers or {},
        data={"decision": decision, "version": version, "reason": reason},
    )


def test_approve_as_fragment_with_receipt_and_badges(world):
    response = _decide(world, "approved", headers=HX)
    assert response.status_code == 200 and "<html" not in response.text
    assert (
        f'id="deliverable-{world.review.id}"' in response.text and "Approved</strong> by Casey Client" in response.text
    )
    assert world.image.sha256 in response.text and "version 1" in response.text
    assert 'id="badge-projects" hx-swap-oob="true"' in response.text
    stored = db.session.get(Deliverable, world.review.id)
    db.session.refresh(stored)
    assert stored.approval_status == "approved" and stored.decided_by_email == "client@example.com"
    assert stored.decision_version == 1 and stored.decision_ip == "127.0.0.1"
    assert list(stored.decision_file_hashes.values()) == [f"pier.png sha256:{world.image.sha256}"]


def test_approve_without_js(world):
    response = _decide(world, "approved")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#deliverable-{world.review.id}")


def test_revision_needs_reason_and_lands_in_the_thread(world):
    missing = _decide(world, "revision_requested", headers=HX)
    assert missing.status_code == 200 and "a reason is required" in missing.text
    too_long = _decide(world, "rejected", reason="x" * 20_000)
    assert too_long.status_code == 422 and "under 2,000 characters" in too_long.text
    db.session.refresh(world.review)
    assert world.review.approval_status == "pending"
    response = _decide(world, "revision_requested", reason="Brighten the pier", headers=HX)
    assert 'id="thread-messages"' in response.text and "Brighten the pier" in response.text
    message = db.session.execute(db.select(Message).where(Message.sender_type == "client")).scalar_one()
    assert message.deliverable_id == world.review.id and "Revision requested" in message.body


def test_second_decision_is_refused(world):
    _decide(world, "approved")
    again = _decide(world, "rejected", reason="changed my mind")
    assert again.status_code == 409 and "already decided" in again.text
    fragment = _decide(world, "rejected", reason="changed my mind", headers=HX)
    assert fragment.status_code == 200 and "already decided" in fragment.text
    decided = db.session.execute(db.select(db.func.count(Activity.id)).where(Activity.verb == "deliverable.decided"))
    assert decided.scalar() == 1


def test_stale_version_and_new_version_reopens(world):
    world.review.version = 2
    db.session.commit()
    stale = _decide(world, "approved", version=1)
    assert stale.status_code == 303
    assert "Version 1 was replaced by version 2" in world.browser.get(stale.headers["Location"]).text
    stale_fragment = _decide(world, "approved", version=1, headers=HX)
    assert stale_fragment.status_code == 409 and stale_fragment.headers["HX-Redirect"].endswith(
        f"#deliverable-{world.review.id}"
    )
    _decide(world, "approved", version=2)
    from portal.services.activity import Actor
    from portal.services.deliverables import update_deliverable

    db.session.refresh(world.review)
    update_deliverable(
        world.review, Actor("operator", "Op"), title="Stills", type="photos", format=None, status="ready", version=3
    )
    assert _decide(world, "approved", version=3).status_code == 303


def test_hidden_and_foreign_deliverables_are_404(world, app):
    assert _decide(world, "approved", deliverable=world.hidden).status_code == 404
    other = make_world(app, slug="other")
    assert _decide(world, "approved", deliverable=other.review).status_code == 404
    db.session.refresh(other.review)
    assert other.review.approval_status == "pending"


def test_client_message_full_fragment_escaped_and_linked(world):
    body = "See https://example.com/brief <script>alert(1)</script>"
    fragment = world.browser.post(world.url(f"/projects/{world.project.id}/messages"), data={"body": body}, headers=HX)
    assert fragment.status_code == 200 and 'id="thread"' in fragment.text
    assert '<a href="https://example.com/brief" rel="nofollow noopener noreferrer"' in fragment.text
    assert "<script>alert(1)</script>" not in fragment.text and "&lt;script&gt;" in fragment.text
    full = world.browser.post(world.url(f"/projects/{world.project.id}/messages"), data={"body": "Thanks"})
    assert full.status_code == 303
    assert (
        world.browser.post(
            world.url(f"/projects/{world.project.id}/messages"), data={"body": " "}, headers=HX
        ).text.count("Write a message first")
        == 1
    )
    long = world.browser.post(world.url(f"/projects/{world.project.id}/messages"), data={"body": "x" * (MAX_BODY + 1)})
    assert long.status_code == 422
    assert db.session.execute(db.select(db.func.count(Message.id)).where(Message.sender_type == "client")).scalar() == 2


def test_thread_poll_answers_304_until_something_changes(world):
    url = world.url(f"/projects/{world.project.id}/thread")
    first = world.browser.get(url, headers=HX)
    assert first.status_code == 200 and 'id="thread-messages"' in first.text and "<html" not in first.text
    etag = first.headers["ETag"]
    assert world.browser.get(url, headers={**HX, "If-None-Match": etag}).status_code == 304
    db.session.add(Message(project_id=world.project.id, sender_type="operator", sender_name="Op", body="New one"))
    db.session.commit()
    changed = world.browser.get(url, headers={**HX, "If-None-Match": etag})
    assert changed.status_code == 200 and "New one" in changed.text and changed.headers["ETag"] != etag
    assert world.browser.get(url).status_code == 302  # without htmx: the page's thread


def test_unread_markers_and_mark_read(world):
    page = _page(world).text
    assert "New</span>" in page
    assert world.browser.get(world.url("/")).text.count("new message") == 1
    latest = db.session.execute(db.select(db.func.max(Message.id))).scalar()
    response = world.browser.post(world.url(f"/projects/{world.project.id}/read"), data={"up_to": latest}, headers=HX)
    assert response.status_code == 200 and 'hx-swap-oob="true"' in response.text
    assert "New</span>" not in _page(world).text
    assert (
        world.browser.post(world.url(f"/projects/{world.project.id}/read"), data={"up_to": latest}).status_code == 303
    )


def test_comments_on_deliverable_and_file(world):
    on_deliverable = world.browser.post(
        world.url(f"/deliverables/{world.review.id}/comments"), data={"body": "Love the colours"}, headers=HX
    )
    assert on_deliverable.status_code == 200 and f'id="deliverable-{world.review.id}"' in on_deliverable.text
    assert "Love the colours" in on_deliverable.text and 'id="thread-messages" ' in on_deliverable.text
    on_file = world.browser.post(world.url(f"/files/{world.html.id}/comments"), data={"body": "What is this?"})
    assert on_file.status_code == 303
    assert (
        world.browser.post(world.url(f"/files/{world.secret_file.id}/comments"), data={"body": "x"}).status_code == 404
    )
    empty = world.browser.post(world.url(f"/files/{world.html.id}/comments"), data={"body": ""}, headers=HX)
    assert "Write a comment first" in empty.text or "Write a message first" in empty.text
    rows = db.session.execute(db.select(Message.deliverable_id, Message.file_id).where(Message.sender_type == "client"))
    assert sorted(rows.all(), key=str) == sorted([(world.review.id, None), (None, world.html.id)], key=str)


def test_downloads_previews_ranges(world):
    download = world.browser.get(world.url(f"/files/{world.image.id}"))
    assert download.data  # streamed responses are read before the next request, as a browser would
    assert (
        download.headers["Content-Disposition"].startswith("attachment;")
        and download.headers["Accept-Ranges"] == "bytes"
    )
    view = world.browser.get(world.url(f"/files/{world.image.id}/view"))
    assert view.data
    assert view.mimetype == "image/png" and view.headers["Content-Disposition"].startswith("inline;")
    html = world.browser.get(world.url(f"/files/{world.html.id}/view"))
    assert b"<script>" in html.data
    assert html.headers["Content-Disposition"].startswith("attachment;") and html.mimetype == "application/octet-stream"
    assert html.headers["X-Content-Type-Options"] == "nosniff"
    part = world.browser.get(world.url(f"/files/{world.image.id}/view"), headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and len(part.data) == 10
    assert part.headers["Content-Range"] == f"bytes 10-19/{world.image.size}"
    assert part.data == download.data[10:20]
    suffix = world.browser.get(world.url(f"/files/{world.image.id}"), headers={"Range": "bytes=-5"})
    assert suffix.status_code == 206 and suffix.data == download.data[-5:]
    malformed = world.browser.get(world.url(f"/files/{world.image.id}"), headers={"Range": "bytes=zz"})
    assert malformed.status_code == 200 and malformed.data == download.data
    beyond = world.browser.get(
        world.url(f"/files/{world.image.id}"), headers={"Range": f"bytes={world.image.size + 10}-"}
    )
    assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{world.image.size}"
    thumb = world.browser.get(world.url(f"/files/{world.image.id}/thumb"))
    assert thumb.mimetype == "image/jpeg" and thumb.data.startswith(b"\xff\xd8")
    assert world.browser.get(world.url(f"/files/{world.html.id}/thumb")).status_code == 404
    assert world.browser.get(world.url(f"/files/{world.secret_file.id}")).status_code == 404


def test_download_all_zip_with_manifest(world):
    from tests.portal_world import store

    second = store(world.project, "pier.png", jpeg_bytes(), "image/jpeg", world.review)
    response = world.browser.get(world.url(f"/deliverables/{world.review.id}/zip"))
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.namelist() == ["pier.png", "pier (2).png", "SHA256SUMS.txt"]
    manifest = archive.read("SHA256SUMS.txt").decode()
    for name in ("pier.png", "pier (2).png"):
        assert f"{hashlib.sha256(archive.read(name)).hexdigest()}  {name}" in manifest
    assert second.sha256 in manifest
    assert world.browser.get(world.url(f"/deliverables/{world.hidden.id}/zip")).status_code == 404


def _upload(world, files, headers=None):
    return world.browser.post(
        world.url(f"/projects/{world.project.id}/files"),
        headers=headers or {},
        content_type="multipart/form-data",
        data={"files": [(io.BytesIO(content), name) for name, content in files]},
    )


def test_uploads_only_when_the_link_allows(world):
    assert _upload(world, [("a.png", png_bytes())]).status_code == 404
    assert 'id="client-upload"' not in _page(world).text


def test_client_uploads(app, ctx):
    world = make_world(app, slug="uploads", allow_uploads=True)
    fragment = _upload(world, [("../../site plan.png", png_bytes())], headers=HX)
    assert fragment.status_code == 200 and "site plan.png" in fragment.text and "sent by you" in fragment.text
    assert _upload(world, [("ok.jpg", jpeg_bytes())]).status_code == 303
    for name, content, message in (
        ("x.jpg", b"<svg onload=alert(1)>", "is not a JPEG image"),
        ("empty.pdf", b"", "is empty"),
        ("evil\u202egnp.png", b"<html>", "is not a PNG image"),
    ):
        response = _upload(world, [(name, content)], headers=HX)
        assert response.status_code == 200 and message in response.text, name
    stored = db.session.execute(
        db.select(StoredFile.filename, StoredFile.uploaded_by_type).where(StoredFile.uploaded_by_type == "client")
    ).all()
    assert sorted(stored) == [("ok.jpg", "client"), ("site plan.png", "client")]
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 5000
    try:
        assert _upload(world, [("big.png", png_bytes() + bytes(10_000))]).status_code == 413
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit


def test_operator_page_follows_client_actions_live(world, app):
    from tests.conftest import login
    from tests.factories import make_user

    operator = login(app.test_client(), make_user(world.org), world.org)
    page = operator.get(f"/app/projects/{world.project.id}").text
    etag = page.split('id="project-live" data-etag="', 1)[1].split('"', 1)[0].replace("&#34;", '"')
    live = f"/app/projects/{world.project.id}/live"
    assert operator.get(live, headers={**HX, "If-None-Match": etag}).status_code == 304
    _decide(world, "revision_requested", reason="Crop the crane out")
    changed = operator.get(live, headers={**HX, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    text = changed.text
    assert 'id="operator-thread-messages" hx-swap-oob="true"' in text and "Crop the crane out" in text
    assert 'id="deliverable-list" hx-swap-oob="true"' in text and "Revision requested" in text
    assert 'id="timeline" class="card"' in text or 'hx-swap-oob="true"' in text
    assert operator.get(live, headers={**HX, "If-None-Match": changed.headers["ETag"]}).status_code == 304
    assert operator.get(live).status_code == 302


def test_operator_comments_reach_the_client(world, app):
    from tests.conftest import login
    from tests.factories import make_user

    operator = login(app.test_client(), make_user(world.org), world.org)
    fragment = operator.post(
        f"/app/deliverables/{world.review.id}/comments", data={"body": "Pier v2 coming"}, headers=HX
    )
    assert fragment.status_code == 200 and f'id="deliverable-{world.review.id}"' in fragment.text
    assert "Pier v2 coming" in fragment.text and 'id="operator-thread-messages" hx-swap-oob="true"' in fragment.text
    full = operator.post(f"/app/files/{world.image.id}/comments", data={"body": "Colour graded"})
    assert full.status_code == 303
    empty = operator.post(f"/app/files/{world.image.id}/comments", data={"body": ""}, headers=HX)
    assert empty.status_code == 200 and "Write a" in empty.text
    page = _page(world).text
    assert "Pier v2 coming" in page and "Colour graded" in page
    other = make_world(app, slug="elsewhere")
    assert operator.post(f"/app/deliverables/{other.review.id}/comments", data={"body": "x"}).status_code == 404


def test_svg_with_script_is_stored_but_only_ever_downloaded(app, ctx):
    world = make_world(app, slug="svg", allow_uploads=True)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert _upload(world, [("drawing.svg", svg)]).status_code == 303
    file = db.session.execute(db.select(StoredFile).where(StoredFile.filename == "drawing.svg")).scalar_one()
    view = world.browser.get(world.url(f"/files/{file.id}/view"))
    assert view.data == svg
    assert view.headers["Content-Disposition"].startswith("attachment;") and view.mimetype == "application/octet-stream"
    assert "sandbox" in view.headers["Content-Security-Policy"]


def test_message_post_updates_badges_out_of_band(world):
    response = world.browser.post(world.url(f"/projects/{world.project.id}/messages"), data={"body": "Hi"}, headers=HX)
    assert 'id="badge-projects" hx-swap-oob="true"' in response.text


def test_client_downloads_are_audited_once_per_download(world):
    def downloads():
        return db.session.execute(
            db.select(Activity.summary, Activity.ip).where(Activity.verb == "file.downloaded").order_by(Activity.id)
        ).all()

    assert world.browser.get(world.url(f"/files/{world.image.id}")).data
    # Resuming (or a player seeking) asks for later bytes: not a new download.
    assert world.browser.get(world.url(f"/files/{world.image.id}"), headers={"Range": "bytes=10-19"}).status_code == 206
    assert world.browser.get(world.url(f"/files/{world.image.id}/view")).data  # a preview is not a download
    assert world.browser.get(world.url(f"/deliverables/{world.review.id}/zip")).data
    rows = downloads()
    assert [row.summary.split(" downloaded ")[1] for row in rows] == [
        world.image.filename,
        f"{world.review.title} (all files, version {world.review.version})",
    ]
    assert all(row.ip for row in rows)
    assert world.browser.get(world.url(f"/files/{world.secret_file.id}")).status_code == 404
    assert len(downloads()) == 2
