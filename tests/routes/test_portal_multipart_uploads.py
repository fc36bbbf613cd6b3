"""A client sends big files in parts through the same protocol, only when the link allows uploads."""

from __future__ import annotations

from portal.extensions import db
from portal.models import Notification, Organization, StoredFile, Upload
from tests.conftest import login
from tests.factories import make_org, make_project, make_user
from tests.multipart_helpers import PART, payload, put, sha256
from tests.portal_world import make_world


def _world(app, slug, allow_uploads):
    """A portal session, and the ids a test needs once the setup's session has gone."""
    with app.app_context():
        world = make_world(app, slug=slug, allow_uploads=allow_uploads)
        world.project_id, world.org_id = world.project.id, world.org.id
        db.session.remove()
    return world


def _create(world, name, size, project_id=None):
    return world.browser.post(
        world.url(f"/projects/{project_id or world.project_id}/uploads"), json={"filename": name, "size": size}
    )


def _send(world, upload_id, data):
    etags = {}
    for number in range(1, max(1, -(-len(data) // PART)) + 1):
        signed = world.browser.get(world.url(f"/uploads/{upload_id}/parts/{number}"))
        assert signed.status_code == 200, signed.text
        status, etags[number] = put(world.browser, signed.json["url"], data[(number - 1) * PART : number * PART])
        assert status == 200
    return etags


def _complete(world, upload_id, etags):
    parts = [{"PartNumber": n, "ETag": e} for n, e in sorted(etags.items())]
    return world.browser.post(world.url(f"/uploads/{upload_id}/complete"), json={"parts": parts})


def test_a_client_sends_a_file_in_parts_and_the_operator_is_told(app):
    world = _world(app, "big-client", True)
    with app.app_context():
        make_user(db.session.get(Organization, world.org_id), email="olga@example.com")
    data = payload(PART + 4321, head=b"%PDF-1.4\n")
    started = _create(world, "drawings.pdf", len(data))
    assert started.status_code == 201, started.text
    upload_id = started.json["uploadId"]
    listed = world.browser.get(world.url(f"/uploads/{upload_id}/parts"))
    assert listed.json == []
    done = _complete(world, upload_id, _send(world, upload_id, data))
    assert done.status_code == 200 and done.json["status"] == "ready", done.text
    with app.app_context():
        stored = db.session.get(StoredFile, done.json["fileId"])
        assert (stored.uploaded_by_type, stored.client_visible, stored.sha256) == ("client", True, sha256(data))
        told = db.session.execute(db.select(Notification.kind, Notification.to_email)).all()
        assert ("client_upload", "olga@example.com") in told
    page = world.browser.get(world.url(f"/projects/{world.project_id}"))
    assert "drawings.pdf" in page.text and 'id="uploader"' in page.text


def test_without_upload_rights_nothing_is_opened(app):
    world = _world(app, "no-uploads", False)
    assert _create(world, "a.pdf", 100).status_code == 404
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Upload.id))).scalar() == 0
    assert 'id="uploader"' not in world.browser.get(world.url(f"/projects/{world.project_id}")).text


def test_a_client_cannot_reach_an_operators_or_another_orgs_upload(app):
    world = _world(app, "client-scope", True)
    with app.app_context():
        other = make_org()
        operator = make_user(other)
        other_project_id = make_project(other).id
        own_operator = make_user(db.session.get(Organization, world.org_id))
        own_org = db.session.get(Organization, world.org_id)
        operator_client = login(app.test_client(), operator, other)
        own_client = login(app.test_client(), own_operator, own_org)
        db.session.remove()
    foreign = operator_client.post(f"/app/projects/{other_project_id}/uploads", json={"filename": "x.bin", "size": 9})
    foreign_id = foreign.json["uploadId"]
    theirs = own_client.post(f"/app/projects/{world.project_id}/uploads", json={"filename": "y.bin", "size": 9})
    operators_id = theirs.json["uploadId"]
    for upload_id in (foreign_id, operators_id):
        assert world.browser.get(world.url(f"/uploads/{upload_id}/parts/1")).status_code == 404
        assert world.browser.get(world.url(f"/uploads/{upload_id}/parts")).status_code == 404
        assert world.browser.post(world.url(f"/uploads/{upload_id}/abort")).status_code == 404
    assert _create(world, "z.bin", 9, project_id=other_project_id).status_code == 404
