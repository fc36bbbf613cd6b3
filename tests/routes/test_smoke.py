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
