from tests.conftest import HX, login
from tests.factories import make_org, make_user


def test_anonymous_dashboard_redirects_to_login(client):
    response = client.get("/app/clients")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_client_create_full_and_fragment(app, client, ctx):
    org = make_org()
    user = make_user(org)
    login(client, user, org)
    page = client.get("/app/clients/new")
    assert page.status_code == 200 and b"<html" in page.data
    bad = client.post("/app/clients/new", data={"name": "", "email": "nope"}, headers=HX)
    assert bad.status_code == 200 and b"<html" not in bad.data and b"client-form" in bad.data
    assert bad.headers["Vary"] == "HX-Request" or "HX-Request" in bad.headers["Vary"]


def test_the_app_has_an_icon_and_a_portal_uses_its_organizations_logo(app):
    from tests.factories import make_client, make_link, make_org, make_project
    from tests.samples import png_bytes

    browser = app.test_client()
    icon = browser.get("/favicon.ico")
    assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00" and icon.cache_control.max_age
    assert 'rel="icon" href="/favicon.ico"' in browser.get("/login").text
    with app.app_context():
        import io

        from portal.services import organizations
        from portal.services.activity import Actor

        org = make_org(slug="iconic")
        owner = make_user(org)
        organizations.set_logo(org, Actor.operator(owner), io.BytesIO(png_bytes((120, 60), (15, 118, 110))), 1 << 20)
        customer = make_client(org)
        _link, token = make_link(org, customer, make_project(org, customer))
    browser.post(f"/p/{token}")
    page = browser.get("/portal/iconic/").text
    assert 'rel="icon" href="/media/logo/' in page and 'href="/favicon.ico"' not in page


def test_a_clients_email_taken_by_another_client_is_refused_on_its_field(app):
    from portal.extensions import db
    from portal.models import Client
    from tests.factories import make_client

    browser = app.test_client()
    with app.app_context():
        org = make_org()
        login(browser, make_user(org), org)
        taken = make_client(org, email="taken@example.com").email
        other_id = make_client(org, email="other@example.com").id
        org_id = org.id
    added = browser.post("/app/clients/new", data={"name": "Twin", "email": taken})
    assert added.status_code == 422 and "A client with this email already exists." in added.text
    edited = browser.post(f"/app/clients/{other_id}/edit", data={"name": "Other", "email": taken}, headers=HX)
    assert edited.status_code == 200 and "<html" not in edited.text
    assert "A client with this email already exists." in edited.text
    with app.app_context():
        emails = sorted(db.session.scalars(db.select(Client.email).where(Client.org_id == org_id)))
    assert emails == ["other@example.com", "taken@example.com"]
