"""Uploads are allowed by the link that covers the project, not by whichever link the session came in through."""

from __future__ import annotations

import io

from portal.extensions import db
from portal.models import StoredFile
from tests.factories import make_client, make_link, make_org, make_project
from tests.samples import png_bytes


def _two_projects(app) -> tuple[int, int, str]:
    with app.app_context():
        org = make_org("Upload Rights", slug="rights")
        customer = make_client(org, email="casey@example.com", name="Casey")
        allowed = make_project(org, customer, name="UPLOADS-ALLOWED", status="in_progress")
        refused = make_project(org, customer, name="UPLOADS-REFUSED", status="in_progress")
        _link, token = make_link(org, customer, allowed, allow_uploads=True)
        make_link(org, customer, refused)  # code-less too: opening the first one unlocks it, without uploads
        return allowed.id, refused.id, token


def _upload(browser, project_id: int):
    data = {"files": (io.BytesIO(png_bytes()), "site.png")}
    return browser.post(f"/portal/rights/projects/{project_id}/files", data=data, content_type="multipart/form-data")


def test_a_link_that_allows_uploads_does_not_open_uploads_on_another_project(app, client):
    allowed, refused, token = _two_projects(app)
    assert client.post(f"/p/{token}").status_code == 303
    refused_page = client.get(f"/portal/rights/projects/{refused}")
    assert refused_page.status_code == 200 and "UPLOADS-REFUSED" in refused_page.text
    assert 'name="files"' not in refused_page.text
    assert _upload(client, refused).status_code == 404
    assert (
        client.post(f"/portal/rights/projects/{refused}/uploads", json={"filename": "a.png", "size": 10}).status_code
        == 404
    )
    assert 'name="files"' in client.get(f"/portal/rights/projects/{allowed}").text
    assert _upload(client, allowed).status_code in (200, 303)
    with app.app_context():
        stored = db.session.execute(db.select(StoredFile.project_id)).scalars().all()
    assert stored == [allowed]
