"""Every portal route answers one identical 404 to everyone who should not get in, and leaks nothing."""

from datetime import UTC, datetime, timedelta

import pytest
from flask import url_for

from portal.extensions import db
from portal.models import Activity, Decision, PortalLink, Project, Upload
from tests.factories import (
    make_client,
    make_deliverable,
    make_file_row,
    make_link,
    make_org,
    make_project,
    make_shared_project,
    new_invoice,
    new_proposal,
)

IDS: dict = {}
SCENARIOS = ["no_session", "random_token", "one_char_changed", "expired", "revoked_open_session", "other_org_session"]


def _portal_rules(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("portal.") and rule.endpoint != "portal.left"
    ]


def _world():
    home = make_org("Home Org", slug="home")
    customer, project, link, token = make_shared_project(
        home, "c@example.com", "MARKER-HOME-CLIENT", "MARKER-HOME-PROJECT"
    )
    deliverable = make_deliverable(project, client_visible=True, status="ready")
    stored = make_file_row(project, "a.png", deliverable, storage_key=f"k/{project.id}")
    proposal = new_proposal(home.id, customer.id, "P-1", "T", status="sent")
    invoice = new_invoice(home.id, customer.id, "I-1", status="sent", issue_date=datetime.now(UTC).date())
    upload = Upload(
        public_id="u" * 32,
        org_id=home.id,
        project_id=project.id,
        filename="big.bin",
        size=10,
        part_size=10,
        storage_key=f"k/upload/{project.id}",
        backend_upload_id="0" * 32,
        uploaded_by_type="client",
    )
    decision = Decision(deliverable_id=deliverable.id, version=1, decision="approved", email=customer.email, files=[])
    db.session.add_all([proposal, invoice, upload, decision])
    db.session.commit()
    IDS.update(
        decision_id=decision.id,
        kind="preview",
        project_id=project.id,
        deliverable_id=deliverable.id,
        file_id=stored.id,
        proposal_id=proposal.id,
        invoice_id=invoice.id,
        public_id=upload.public_id,
        number=1,
        slug="home",
        org_slug="home",  # /p/switch/<org_slug>: without an email verified on the device, the same 404
    )
    other = make_org("MARKER-OTHER-ORG", slug="other")
    shared = make_shared_project(other, "c@example.com", "MARKER-OTHER-CLIENT", "MARKER-OTHER-PROJECT")
    return link, token, shared.link, shared.token


def _expected_body(app):
    with app.test_request_context():
        from flask import render_template

        return render_template("client/not_active.html")


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_portal_route_gives_the_same_404(app, ctx, client, scenario):
    link, token, _other_link, other_token = _world()
    presented = token
    if scenario == "random_token":
        presented = "A" * 43
    elif scenario == "one_char_changed":
        presented = token[:-1] + ("A" if token[-1] != "A" else "B")
    elif scenario == "expired":
        link.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    elif scenario == "revoked_open_session":
        assert client.post(f"/p/{token}").status_code == 303
        assert client.get("/portal/home/").status_code == 200
        link.revoked_at = datetime.now(UTC)
        db.session.commit()
    elif scenario == "other_org_session":
        assert client.post(f"/p/{other_token}").status_code == 303
    expected = _expected_body(app)
    checked = 0
    for rule in _portal_rules(app):
        if "token" in rule.arguments:
            if scenario in ("no_session", "other_org_session", "revoked_open_session"):
                continue  # these scenarios concern the token-free pages
            urls = [url_for(rule.endpoint, token=presented, _external=False)]
        else:
            urls = [url_for(rule.endpoint, _external=False, **{arg: IDS[arg] for arg in rule.arguments})]
        for url in urls:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(url, method=method)
                assert response.status_code == 404, (scenario, method, url, response.status_code)
                assert response.text == expected, (scenario, url)
                assert "MARKER" not in response.text
                checked += 1
    assert checked >= 2


def test_one_second_before_expiry_still_works(app, ctx, client):
    link, token, _o, _t = _world()
    link.expires_at = datetime.now(UTC) + timedelta(seconds=1)
    db.session.commit()
    assert client.get(f"/p/{token}").status_code == 200
    assert client.post(f"/p/{token}").status_code == 303
    assert client.get("/portal/home/").status_code == 200


def test_unknown_org_slug_and_malformed_tokens(client, ctx):
    expected = None
    for url in ("/portal/nope/", "/p/short", "/p/" + "x" * 200, "/p/%00%00", "/p/" + "é" * 43, "/portal/home/zzz"):
        response = client.get(url)
        assert response.status_code == 404
        expected = expected or response.text
        assert response.text == expected


def _tenant_matrix():
    """3 organizations × 3 clients; one email shared by two organizations; a marker in every object."""
    world = []
    for o in range(3):
        org = make_org(f"ORG{o}-MARK", slug=f"org{o}")
        for c in range(3):
            email = "shared@example.com" if (c == 0 and o < 2) else f"c{o}{c}@example.com"
            customer = make_client(org, email=email, name=f"CLIENT{o}{c}-MARK")
            project = make_project(org, customer, name=f"PROJECT{o}{c}-MARK")
            db.session.add_all(
                [
                    new_proposal(org.id, customer.id, f"P-{o}{c}", f"PROPOSAL{o}{c}-MARK", status="sent"),
                    new_invoice(org.id, customer.id, f"INV-{o}{c}", issue_date=datetime.now(UTC).date(), status="sent"),
                ]
            )
            db.session.commit()
            _link, token = make_link(org, customer, project)
            world.append({"org": o, "client": c, "slug": org.slug, "token": token, "email": email})
    return world


def test_tenant_matrix_no_leaks_no_foreign_writes(app, ctx):
    world = _tenant_matrix()
    for entry in world:
        browser = app.test_client()
        assert browser.post(f"/p/{entry['token']}").status_code == 303
        own = f"{entry['org']}{entry['client']}-MARK"
        pages = [
            browser.get(f"/portal/{entry['slug']}/{section}") for section in ("", "projects", "proposals", "invoices")
        ]
        text = " ".join(page.text for page in pages)
        assert all(page.status_code == 200 for page in pages)
        assert f"PROJECT{own}" in text and f"P-{entry['org']}{entry['client']}" in text
        for other in world:
            if other is entry:
                continue
            marker = f"{other['org']}{other['client']}-MARK"
            assert f"PROJECT{marker}" not in text and f"CLIENT{marker}" not in text
            assert f"P-{other['org']}{other['client']}<" not in text.replace("</td>", "<")
        for other_org in {o["slug"] for o in world} - {entry["slug"]}:
            assert browser.get(f"/portal/{other_org}/").status_code == 404
        before = db.session.execute(db.select(db.func.count(Activity.id))).scalar()
        links_before = db.session.execute(db.select(PortalLink.id, PortalLink.revoked_at)).all()
        for other_org in {o["slug"] for o in world} - {entry["slug"]}:
            assert browser.post(f"/portal/{other_org}/leave").status_code == 404
        assert db.session.execute(db.select(db.func.count(Activity.id))).scalar() == before
        assert db.session.execute(db.select(PortalLink.id, PortalLink.revoked_at)).all() == links_before
    assert db.session.execute(db.select(db.func.count(Project.id))).scalar() == 9


def test_shared_email_sees_each_org_separately_and_switches(app, ctx):
    world = _tenant_matrix()
    shared = [entry for entry in world if entry["email"] == "shared@example.com"]
    browser = app.test_client()
    for entry in shared:
        browser.post(f"/p/{entry['token']}")
    first = browser.get(f"/portal/{shared[0]['slug']}/").text
    assert "ORG1-MARK" in first and "PROJECT00-MARK" in first and "PROJECT10-MARK" not in first
    second = browser.get(f"/portal/{shared[1]['slug']}/").text
    assert "PROJECT10-MARK" in second and "PROJECT00-MARK" not in second and "ORG0-MARK" in second
    assert "ORG2-MARK" not in first + second


def test_client_wide_link_shows_every_shared_project_of_that_client_only(app, ctx, client):
    org = make_org(slug="wide")
    customer = make_client(org, email="w@example.com")
    a = make_project(org, customer, name="WIDE-A", status="confirmed")
    b = make_project(org, customer, name="WIDE-B", status="completed")
    draft = make_project(org, customer, name="WIDE-DRAFT", status="draft")
    make_project(org, make_client(org), name="WIDE-OTHER", status="confirmed")
    _link, token = make_link(org, customer, None)
    client.post(f"/p/{token}")
    text = client.get("/portal/wide/projects").text
    assert "WIDE-A" in text and "WIDE-B" in text and "WIDE-OTHER" not in text
    assert a.client_portal_enabled is False and b.client_portal_enabled is False
    # A draft is not shared yet: not listed, not counted, its page is the same 404 as any foreign id.
    assert "WIDE-DRAFT" not in text and "WIDE-DRAFT" not in client.get("/portal/wide/").text
    assert client.get(f"/portal/wide/projects/{draft.id}").status_code == 404
    # A link made for that very project shares it.
    make_link(org, customer, draft)
    assert "WIDE-DRAFT" in client.get("/portal/wide/projects").text
