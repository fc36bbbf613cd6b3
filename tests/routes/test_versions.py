"""Deliverable versions: version n+1 from keep/replace/remove/add, read-only history on both sides, superseded
decisions refused, foreign ids 404."""

import io
from types import SimpleNamespace

from portal.extensions import db
from portal.models import Decision, Deliverable, DeliverableVersion, StoredFile
from tests.conftest import HX, login
from tests.factories import make_org, make_project, make_user
from tests.portal_world import make_world, store
from tests.samples import jpeg_bytes, pdf_bytes, png_bytes


def setup_world(app, slug="acme"):
    """A portal world with a second file on the deliverable and a signed-in operator of its organization."""
    with app.app_context():
        world = make_world(app, slug=slug)
        extra = store(world.project, "notes.pdf", pdf_bytes(), "application/pdf", world.review)
        operator = login(app.test_client(), make_user(world.org), world.org)
        ids = SimpleNamespace(
            deliverable=world.review.id,
            image=world.image.id,
            extra=extra.id,
            hidden=world.hidden.id,
            project=world.project.id,
            slug=world.org.slug,
        )
    return world.browser, operator, ids


def new_version(operator, ids, expected=1, **extra):
    """Post version 2: pier.png replaced, notes.pdf removed, new.jpg added."""
    data = {
        "expected": str(expected),
        f"action-{ids.image}": "replace",
        f"replace-{ids.image}": (io.BytesIO(png_bytes((80, 60), color=(1, 2, 3))), "pier.png"),
        f"action-{ids.extra}": "remove",
        "files": [(io.BytesIO(jpeg_bytes()), "new.jpg")],
        "note": "Graded again",
        **extra,
    }
    return operator.post(
        f"/app/deliverables/{ids.deliverable}/versions/new", data=data, content_type="multipart/form-data"
    )


def test_new_version_lists_changes_and_keeps_earlier_files(app):
    browser, operator, ids = setup_world(app)
    form = operator.get(f"/app/deliverables/{ids.deliverable}/versions/new")
    assert form.status_code == 200 and "Upload version 2 of Stills" in form.text and "notes.pdf" in form.text
    response = new_version(operator, ids)
    assert response.status_code == 303 and response.headers["Location"].endswith(
        f"/app/deliverables/{ids.deliverable}/versions"
    )
    with app.app_context():
        deliverable = db.session.get(Deliverable, ids.deliverable)
        assert (deliverable.version, deliverable.approval_status) == (2, "pending")
        rows = db.session.execute(db.select(DeliverableVersion).order_by(DeliverableVersion.number)).scalars().all()
        assert [r.number for r in rows] == [1, 2]
        assert sorted(vf.file.filename for vf in rows[0].files) == ["notes.pdf", "pier.png"]
        assert sorted(vf.file.filename for vf in rows[1].files) == ["new.jpg", "pier.png"]
        assert rows[1].note == "Graded again"
        assert db.session.get(StoredFile, ids.image).superseded_at is not None
        assert db.session.get(StoredFile, ids.extra).superseded_at is not None
    page = operator.get(f"/app/deliverables/{ids.deliverable}/versions").text
    for line in ("Version 2", "Version 1", "Added: new.jpg", "Replaced: pier.png", "Removed: notes.pdf"):
        assert line in page
    client_page = browser.get(f"/portal/{ids.slug}/deliverables/{ids.deliverable}/versions")
    assert client_page.status_code == 200
    assert "Replaced: pier.png" in client_page.text and "Removed: notes.pdf" in client_page.text
    assert client_page.text.count('class="badge s-new"') == 2  # the new pier.png and new.jpg
    # Earlier files stay downloadable, read-only; the project page shows only the current version's files.
    assert browser.get(f"/portal/{ids.slug}/files/{ids.extra}").status_code == 200
    project_page = browser.get(f"/portal/{ids.slug}/projects/{ids.project}").text
    assert "new.jpg" in project_page and "notes.pdf" not in project_page and "version 2" in project_page
    assert project_page.count('class="badge s-new"') == 2
    zipped = browser.get(f"/portal/{ids.slug}/deliverables/{ids.deliverable}/zip")
    assert b"notes.pdf" not in zipped.data and b"new.jpg" in zipped.data


def test_new_version_bad_input_stores_nothing(app):
    _browser, operator, ids = setup_world(app)
    url = f"/app/deliverables/{ids.deliverable}/versions/new"
    stale = new_version(operator, ids, expected=0)
    assert stale.status_code == 409 and "was sent since you opened this form" in stale.text
    unchanged = operator.post(url, data={"expected": "1"}, content_type="multipart/form-data")
    assert unchanged.status_code == 422 and "must differ" in unchanged.text
    missing = operator.post(url, data={"expected": "1", f"action-{ids.image}": "replace"})
    assert missing.status_code == 422 and "Choose the file that replaces pier.png" in missing.text
    foreign = operator.post(url, data={"expected": "1", f"action-{ids.hidden + 999}": "remove"})
    assert foreign.status_code == 422 and "only files of this deliverable" in foreign.text
    everything_gone = operator.post(
        url, data={"expected": "1", f"action-{ids.image}": "remove", f"action-{ids.extra}": "remove"}
    )
    assert everything_gone.status_code == 422 and "at least one file" in everything_gone.text
    hostile = new_version(operator, ids, files=[(io.BytesIO(b"<script>alert(1)</script>"), "evil.jpg")])
    assert hostile.status_code == 422 and "evil.jpg" in hostile.text
    garbage = operator.post(url, data={"expected": "two"})
    assert garbage.status_code == 422 and "out of date" in garbage.text
    long_note = new_version(operator, ids, note="x" * 2001)
    assert long_note.status_code == 422 and "Keep the note under" in long_note.text
    with app.app_context():
        assert db.session.get(Deliverable, ids.deliverable).version == 1
        assert db.session.execute(db.select(db.func.count(DeliverableVersion.id))).scalar() == 0
        assert db.session.execute(db.select(db.func.count(StoredFile.id))).scalar() == 4
        assert db.session.execute(db.select(StoredFile).where(StoredFile.superseded_at.is_not(None))).first() is None


def test_decision_on_superseded_version_is_refused(app):
    browser, operator, ids = setup_world(app)
    assert new_version(operator, ids).status_code == 303
    url = f"/portal/{ids.slug}/deliverables/{ids.deliverable}/decide"
    stale = browser.post(url, data={"decision": "approved", "version": 1, "time_zone": "Europe/Berlin"})
    assert stale.status_code == 303
    assert "Version 1 was replaced by version 2" in browser.get(stale.headers["Location"]).text
    fragment = browser.post(url, data={"decision": "approved", "version": 1}, headers=HX)
    assert fragment.status_code == 409 and "HX-Redirect" in fragment.headers
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Decision.id))).scalar() == 0
        assert db.session.get(Deliverable, ids.deliverable).approval_status == "pending"
    current = browser.post(url, data={"decision": "approved", "version": 2, "time_zone": "Europe/Berlin"})
    assert current.status_code == 303
    with app.app_context():
        decision = db.session.execute(db.select(Decision)).scalar_one()
        assert (decision.version, decision.decision, decision.time_zone) == (2, "approved", "Europe/Berlin")
        assert sorted(f["name"] for f in decision.files) == ["new.jpg", "pier.png"]
        assert all(len(f["sha256"]) == 64 and f["size"] > 0 for f in decision.files)
        assert len(decision.public_id) >= 20 and decision.name == "Casey Client"


def test_unknown_time_zone_is_kept_as_unknown(app):
    browser, _operator, ids = setup_world(app)
    url = f"/portal/{ids.slug}/deliverables/{ids.deliverable}/decide"
    zone = "../../etc/passwd"
    assert browser.post(url, data={"decision": "approved", "version": 1, "time_zone": zone}).status_code == 303
    with app.app_context():
        assert db.session.execute(db.select(Decision.time_zone)).scalar_one() is None


def test_foreign_and_hidden_ids_are_404(app):
    browser, operator, ids = setup_world(app)
    other_browser, other_operator, other = setup_world(app, slug="other")
    assert other_operator.get(f"/app/deliverables/{ids.deliverable}/versions").status_code == 404
    assert other_operator.get(f"/app/deliverables/{ids.deliverable}/versions/new").status_code == 404
    assert new_version(other_operator, ids).status_code == 404
    assert browser.get(f"/portal/{ids.slug}/deliverables/{ids.hidden}/versions").status_code == 404
    assert browser.get(f"/portal/{ids.slug}/deliverables/{other.deliverable}/versions").status_code == 404
    assert other_browser.get(f"/portal/other/deliverables/{ids.deliverable}/versions").status_code == 404
    with app.app_context():
        org = make_org()
        outsider = login(app.test_client(), make_user(org), org)
        make_project(org)
    assert outsider.get(f"/app/deliverables/{ids.deliverable}/versions").status_code == 404
    assert operator.get(f"/app/deliverables/{other.deliverable}/versions").status_code == 404
