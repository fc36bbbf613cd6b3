"""Organization settings: branding, logo, members, another organization."""

import io

from portal.extensions import db
from portal.models import Membership, Organization
from portal.storage import get_storage
from tests.conftest import HX, login
from tests.factories import make_org, make_user
from tests.samples import jpeg_bytes, png_bytes

BRANDING = {
    "name": "Skyline Drones",
    "website": "https://skyline.example",
    "contact_email": "hi@skyline.example",
    "accent_color": "#0f766e",
    "currency": "GBP",
}


def _owner(client, role="owner"):
    org = make_org()
    login(client, make_user(org, role=role), org)
    return org


def test_branding_saved_in_place(client, ctx):
    org = _owner(client)
    assert client.get("/app/settings").status_code == 200
    response = client.post("/app/settings", data=BRANDING, headers=HX)
    assert response.status_code == 200 and "<html" not in response.text and "Branding saved" in response.text
    assert "HX-Request" in response.headers["Vary"]
    db.session.refresh(org)
    assert (org.name, org.currency, org.accent_color) == ("Skyline Drones", "GBP", "#0f766e")
    assert client.post("/app/settings", data=BRANDING).status_code == 303


def test_bad_branding_answers_with_messages(client, ctx):
    org = _owner(client)
    for field, value, message in [
        ("website", "ftp://x", "must start with https://"),
        ("accent_color", "#ffff00", "too light"),
        ("accent_color", "red", "like #1d4ed8"),
        ("contact_email", "nope", "Invalid email"),
    ]:
        response = client.post("/app/settings", data={**BRANDING, field: value}, headers=HX)
        assert response.status_code == 200 and message in response.text, field
    full = client.post("/app/settings", data={**BRANDING, "name": ""})
    assert full.status_code == 422
    db.session.refresh(org)
    assert org.name.startswith("Org ")


def test_member_cannot_change_settings(client, ctx):
    org = _owner(client, role="member")
    page = client.get("/app/settings")
    assert page.status_code == 200 and "Only an owner" in page.text
    assert client.post("/app/settings", data=BRANDING).status_code == 403
    assert client.post("/app/settings/logo", data={}).status_code == 403
    assert client.post("/app/settings/members", data={"email": "x@example.com"}).status_code == 403
    db.session.refresh(org)
    assert org.name != "Skyline Drones"


def _upload_logo(client, data, name="logo.png", headers=None):
    return client.post(
        "/app/settings/logo",
        data={"logo": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        headers=headers or {},
    )


def test_logo_upload_replace_remove(client, ctx):
    org = _owner(client)
    first = _upload_logo(client, jpeg_bytes((1200, 600)), "logo.jpg", headers=HX)
    assert first.status_code == 200 and 'class="logo-preview"' in first.text
    db.session.refresh(org)
    first_key = org.logo_key
    served = client.get(f"/media/logo/{org.id}/{first_key.rsplit('/', 1)[-1]}")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert "immutable" in served.headers["Cache-Control"]
    _upload_logo(client, png_bytes((64, 64)))
    db.session.refresh(org)
    assert org.logo_key != first_key and not get_storage().exists(first_key)
    assert client.get(f"/media/logo/{org.id}/{first_key.rsplit('/', 1)[-1]}").status_code == 404
    key = org.logo_key
    assert client.post("/app/settings/logo/remove").status_code == 303
    db.session.refresh(org)
    assert org.logo_key is None and not get_storage().exists(key)


def test_bad_logos_rejected(client, ctx, app):
    org = _owner(client)
    svg = _upload_logo(client, b'<svg xmlns="http://www.w3.org/2000/svg"/>', "logo.svg", headers=HX)
    assert svg.status_code == 200 and "not a readable image" in svg.text
    text = _upload_logo(client, b"hello", "logo.png")
    assert text.status_code == 422
    limit = app.config["MAX_LOGO_BYTES"]
    app.config["MAX_LOGO_BYTES"] = 100
    try:
        big = _upload_logo(client, png_bytes((200, 200)), headers=HX)
    finally:
        app.config["MAX_LOGO_BYTES"] = limit
    assert "smaller than" in big.text
    db.session.refresh(org)
    assert org.logo_key is None


def test_foreign_or_stale_logo_names_are_404(client, ctx):
    org = _owner(client)
    _upload_logo(client, png_bytes())
    db.session.refresh(org)
    name = org.logo_key.rsplit("/", 1)[-1]
    other = make_org()
    assert client.get(f"/media/logo/{other.id}/{name}").status_code == 404
    assert client.get(f"/media/logo/{org.id}/guess.png").status_code == 404


def test_adding_a_member_only_invites(client, ctx):
    """Fails on the old code: an existing operator was attached at once, without being asked."""
    org = _owner(client)
    existing = make_user(make_org(), email="shared@example.com")
    response = client.post("/app/settings/members", headers=HX, data={"email": "Shared@Example.com", "role": "owner"})
    assert response.status_code == 200 and "Invitation sent to shared@example.com" in response.text
    assert "Waiting for an answer" in response.text
    members = db.session.execute(db.select(Membership.user_id).where(Membership.org_id == org.id)).scalars().all()
    assert existing.id not in members
    member = make_user(org, role="member", email="member@example.com")
    duplicate = client.post("/app/settings/members", data={"email": member.email, "role": "member"})
    assert duplicate.status_code == 422 and "already a member" in duplicate.text


def test_create_another_organization_and_switch(client, ctx):
    _owner(client)
    response = client.post("/app/settings/organizations", data={"org_name": "Second Brand"})
    assert response.status_code == 303
    assert db.session.execute(db.select(Organization).where(Organization.name == "Second Brand")).scalar_one()
    assert "Second Brand" in client.get("/app/settings").text.split("</a>")[0]
