"""Project files: streamed upload, attach, visibility, delete, download."""

import hashlib
import io

from portal.extensions import db
from portal.models import StoredFile
from portal.storage import get_storage
from tests.conftest import HX, login
from tests.factories import make_deliverable, make_org, make_project, make_user
from tests.samples import pdf_bytes, png_bytes


def _setup(client):
    org = make_org()
    login(client, make_user(org), org)
    return org, make_project(org)


def _upload(client, project, files, headers=None, **fields):
    data = {"files": [(io.BytesIO(content), name) for name, content in files], **fields}
    return client.post(
        f"/app/projects/{project.id}/files", data=data, headers=headers or {}, content_type="multipart/form-data"
    )


def _count():
    return db.session.execute(db.select(db.func.count(StoredFile.id))).scalar()


def test_upload_png_and_pdf_with_hashes(client, ctx):
    _org, project = _setup(client)
    deliverable = make_deliverable(project, title="Stills")
    png, pdf = png_bytes(), pdf_bytes()
    response = _upload(
        client,
        project,
        [("shot.png", png), ("report.pdf", pdf)],
        headers=HX,
        deliverable_id=str(deliverable.id),
        client_visible="y",
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert "shot.png" in response.text and "report.pdf" in response.text and "2 files uploaded" in response.text
    assert 'id="timeline"' in response.text
    stored = {f.filename: f for f in db.session.execute(db.select(StoredFile)).scalars()}
    assert stored["shot.png"].sha256 == hashlib.sha256(png).hexdigest() and stored["shot.png"].size == len(png)
    assert stored["report.pdf"].content_type == "application/pdf"
    assert all(f.deliverable_id == deliverable.id and f.client_visible for f in stored.values())
    assert get_storage().exists(stored["shot.png"].storage_key)
    assert "shot" not in stored["shot.png"].storage_key


def test_upload_without_js_redirects(client, ctx):
    _org, project = _setup(client)
    response = _upload(client, project, [("shot.png", png_bytes())])
    assert response.status_code == 303 and response.headers["Location"].endswith("#project-files")


def test_hostile_names_are_cleaned(client, ctx):
    _org, project = _setup(client)
    _upload(client, project, [("../../evil.png", png_bytes()), ("r\u202egnp.png", png_bytes())])
    names = sorted(db.session.execute(db.select(StoredFile.filename)).scalars())
    assert names == ["evil.png", "rgnp.png"]


def test_disguised_and_empty_uploads_rejected_and_nothing_stored(client, ctx, app):
    _org, project = _setup(client)
    before = {p for p in get_storage().root.rglob("*") if p.is_file()}
    disguised = _upload(
        client, project, [("ok.png", png_bytes()), ("photo.jpg", b"<html><script>x</script>")], headers=HX
    )
    assert disguised.status_code == 200 and "is not a JPEG image" in disguised.text
    empty = _upload(client, project, [("blank.pdf", b"")])
    assert empty.status_code == 422 and "is empty" in empty.text
    none = _upload(client, project, [])
    assert none.status_code == 422 and "Choose at least one file" in none.text
    assert _count() == 0
    assert {p for p in get_storage().root.rglob("*") if p.is_file()} == before


def test_oversize_upload_gets_readable_413(client, ctx, app):
    _org, project = _setup(client)
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    try:
        response = _upload(client, project, [("big.png", png_bytes() + bytes(20_000))])
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413 and "File too large" in response.text and "Nothing was saved" in response.text
    assert _count() == 0


def test_foreign_deliverable_in_upload_is_rejected(client, ctx):
    _org, project = _setup(client)
    foreign = make_deliverable(make_project(make_org()))
    response = _upload(client, project, [("a.png", png_bytes())], deliverable_id=str(foreign.id))
    assert response.status_code == 422 and "Choose a deliverable of this project" in response.text
    assert _count() == 0


def _one_file(client, project, name="shot.png", content=None):
    _upload(client, project, [(name, content or png_bytes())])
    return db.session.execute(db.select(StoredFile).where(StoredFile.filename == name)).scalar_one()


def test_attach_visibility_delete_in_place(client, ctx):
    _org, project = _setup(client)
    deliverable = make_deliverable(project)
    file = _one_file(client, project)
    attached = client.post(f"/app/files/{file.id}/attach", data={"deliverable_id": deliverable.id}, headers=HX)
    assert attached.status_code == 200 and 'id="project-files"' in attached.text
    shown = client.post(f"/app/files/{file.id}/visibility", data={"client_visible": "1"})
    assert shown.status_code == 303
    db.session.refresh(file)
    assert file.deliverable_id == deliverable.id and file.client_visible
    key = file.storage_key
    deleted = client.post(f"/app/files/{file.id}/delete", headers=HX)
    assert deleted.status_code == 200 and "shot.png deleted" in deleted.text
    assert _count() == 0 and not get_storage().exists(key)


def test_attach_to_foreign_deliverable_refused(client, ctx):
    _org, project = _setup(client)
    file = _one_file(client, project)
    foreign = make_deliverable(make_project(make_org()))
    response = client.post(f"/app/files/{file.id}/attach", data={"deliverable_id": foreign.id}, headers=HX)
    assert response.status_code == 200 and "Choose a deliverable of this project" in response.text
    db.session.refresh(file)
    assert file.deliverable_id is None


def test_download_headers(client, ctx):
    _org, project = _setup(client)
    png = png_bytes()
    image = _one_file(client, project, "shot.png", png)
    response = client.get(f"/app/files/{image.id}/download")
    assert response.data == png and response.mimetype == "image/png"
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    html = _one_file(client, project, "page.html", b"<html><body><script>alert(1)</script></body></html>")
    response = client.get(f"/app/files/{html.id}/download")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.mimetype == "application/octet-stream"


def test_foreign_file_is_404(client, ctx):
    _setup(client)
    other_org = make_org()
    other_client = client.application.test_client()
    login(other_client, make_user(other_org), other_org)
    other_project = make_project(other_org)
    file = _one_file(other_client, other_project)
    assert client.get(f"/app/files/{file.id}/download").status_code == 404
    assert client.post(f"/app/files/{file.id}/delete").status_code == 404
    assert _count() == 1
