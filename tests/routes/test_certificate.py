"""The approval certificate: every field in the PDF's text, downloads scoped on both sides, and the public
verification page (genuine, altered id 404, noindex, rate limited)."""

import subprocess
from datetime import UTC, datetime

from portal import certificate
from portal.extensions import db
from portal.models import Decision, FileMedia, StoredFile
from tests.conftest import login, make_test_app
from tests.factories import make_org, make_user
from tests.routes.test_versions import new_version, setup_world

AGENT = "Mozilla/5.0 (CertificateTest) Firefox/999"


def pdf_text(data: bytes, tmp_path) -> tuple[str, int]:
    """The PDF's text and page count, as poppler reads them."""
    path = tmp_path / "certificate.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    return text, pages


def decided(app, reason="Sky too dark on the north side"):
    """A world whose client asked for a revision of version 2, with capture metadata on one file."""
    browser, operator, ids = setup_world(app)
    assert new_version(operator, ids).status_code == 303
    with app.app_context():
        photo = db.session.execute(db.select(StoredFile).where(StoredFile.filename == "new.jpg")).scalar_one()
        # The preview job's row for the new photo, as it would be once ready (merge: it exists as pending).
        db.session.merge(
            FileMedia(
                file_id=photo.id,
                kind="image",
                status="ready",
                camera="DJI FC3411",
                latitude=59.7441,
                longitude=10.2045,
                relative_altitude=87.5,
                captured_at=datetime(2026, 5, 4, 9, 30, tzinfo=UTC),
            )
        )
        db.session.commit()
    response = browser.post(
        f"/portal/{ids.slug}/deliverables/{ids.deliverable}/decide",
        data={"decision": "revision_requested", "version": 2, "reason": reason, "time_zone": "America/New_York"},
        headers={"User-Agent": AGENT},
    )
    assert response.status_code == 303
    with app.app_context():
        decision = db.session.execute(db.select(Decision)).scalar_one()
        files = db.session.execute(
            db.select(StoredFile.filename, StoredFile.sha256, StoredFile.size).where(
                StoredFile.deliverable_id == ids.deliverable, StoredFile.superseded_at.is_(None)
            )
        ).all()
        digest = certificate.checksum(certificate.content(decision))
    return browser, operator, ids, decision, files, digest


def test_certificate_pdf_states_every_field(app, tmp_path):
    browser, operator, ids, decision, files, digest = decided(app)
    response = browser.get(f"/portal/{ids.slug}/decisions/{decision.id}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text, pages = pdf_text(response.data, tmp_path)
    compact = "".join(text.split())
    assert pages == 1
    for expected in (
        "Acme Drones",
        "Harbour shoot",
        "Stills, version 2",
        "Revision requested",
        "Sky too dark on the north side",
        "Casey Client",
        "client@example.com",
        "127.0.0.1",
        "(America/New_York)",
        "DJI FC3411",
        "pier.png",
        "new.jpg",
    ):
        assert "".join(expected.split()) in compact, expected
    assert decision.decided_at.strftime("%Y-%m-%d %H:%M:%S UTC").replace(" ", "") in compact
    assert "".join(AGENT.split()) in compact
    assert "latitude:59.7441" in compact and "relativealtitude:87.5" in compact
    for _name, sha256, size in files:
        assert sha256 in compact and f"{size:,}bytes" in compact
    assert f"/verify/{decision.public_id}" in compact and digest in compact
    operator_copy = operator.get(f"/app/decisions/{decision.id}/certificate.pdf")
    assert operator_copy.status_code == 200 and digest in "".join(pdf_text(operator_copy.data, tmp_path)[0].split())
    # The cards offer it on both sides.
    assert f"/decisions/{decision.id}/certificate.pdf" in browser.get(f"/portal/{ids.slug}/projects/{ids.project}").text
    assert f"/app/decisions/{decision.id}/certificate.pdf" in operator.get(f"/app/projects/{ids.project}").text


def test_certificate_downloads_are_scoped(app):
    _browser, _operator, ids, decision, _files, _digest = decided(app)
    other_browser, other_operator, _other = setup_world(app, slug="other")
    assert other_operator.get(f"/app/decisions/{decision.id}/certificate.pdf").status_code == 404
    assert other_browser.get(f"/portal/other/decisions/{decision.id}/certificate.pdf").status_code == 404
    assert other_browser.get(f"/portal/{ids.slug}/decisions/{decision.id}/certificate.pdf").status_code == 404
    assert other_operator.get("/app/decisions/999999/certificate.pdf").status_code == 404
    with app.app_context():
        from portal.models import Deliverable

        db.session.get(Deliverable, ids.deliverable).client_visible = False
        db.session.commit()
    assert _browser.get(f"/portal/{ids.slug}/decisions/{decision.id}/certificate.pdf").status_code == 404


def test_verification_page_confirms_and_hides_the_rest(app, client):
    _browser, _operator, _ids, decision, files, digest = decided(app)
    page = client.get(f"/verify/{decision.public_id}")
    assert page.status_code == 200
    assert page.headers["X-Robots-Tag"].startswith("noindex") and '<meta name="robots" content="noindex' in page.text
    assert digest in page.text and "Revision requested" in page.text and "Sky too dark" in page.text
    assert all(sha256 in page.text for _name, sha256, _size in files)
    # Nothing beyond the certificate: no links into either side, no other deliverables or files.
    assert "SECRET" not in page.text and "/portal/" not in page.text and "/app/" not in page.text
    altered = decision.public_id[:-1] + ("A" if decision.public_id[-1] != "A" else "B")
    for wrong in (altered, "x", "0" * 40, decision.public_id.upper() + "x", str(decision.id)):
        response = client.get(f"/verify/{wrong}")
        assert response.status_code == 404 and decision.public_id not in response.text


def test_verification_is_rate_limited(tmp_path, database_url, ctx):
    app = make_test_app(database_url, tmp_path, RATELIMIT_ENABLED=True, VERIFY_RATE_LIMIT="3 per minute")
    anonymous = app.test_client()
    codes = [anonymous.get(f"/verify/nothing-{n}").status_code for n in range(4)]
    assert codes == [404, 404, 404, 429]


def test_certificate_downloads_are_rate_limited(tmp_path, database_url, ctx):
    app = make_test_app(database_url, tmp_path, RATELIMIT_ENABLED=True, CERTIFICATE_RATE_LIMIT="2 per minute")
    org = make_org()
    operator = login(app.test_client(), make_user(org), org)
    codes = [operator.get("/app/decisions/999999/certificate.pdf").status_code for _ in range(3)]
    assert codes == [404, 404, 429]
