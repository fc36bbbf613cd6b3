"""The search box in the dashboard's header: projects, clients, proposals and invoices of this organization only."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from portal.extensions import db
from portal.models import Invoice, Project, Proposal
from tests.conftest import login
from tests.factories import make_client, make_org, make_user


def _records(org, client, text: str, n: int) -> list:
    return [
        Project(org_id=org.id, client_id=client.id, name=f"{text} project"),
        Proposal(org_id=org.id, client_id=client.id, number=f"P-{n:04d}", title=f"{text} offer", currency="EUR"),
        Invoice(org_id=org.id, client_id=client.id, number=f"{text[:8]}-{n}", issue_date=date.today(), currency="EUR"),
    ]


def _world(app):
    with app.app_context():
        org, other = make_org(), make_org()
        user = make_user(org)
        mine = make_client(org, name="Kestrel_Works", email="office@kestrel.example")
        theirs = make_client(other, name="Kestrel_Foreign", email="office@foreign.example")
        db.session.add_all(_records(org, mine, "Kestrel_Bridge", 1) + _records(org, mine, "Kestrel%Dam", 2))
        db.session.add_all(_records(other, theirs, "Kestrel_Alien", 3))
        db.session.commit()
        return SimpleNamespace(id=user.id), SimpleNamespace(id=org.id)


def test_every_dashboard_page_has_the_search_box(app):
    user, org = _world(app)
    client = login(app.test_client(), user, org)
    for url in ("/app/projects", "/app/clients", "/app/invoices", "/app/settings"):
        text = client.get(url).text
        assert 'action="/app/search"' in text and 'id="global-search"' in text and 'for="global-search"' in text


def test_finds_each_kind_in_this_organization_only(app):
    user, org = _world(app)
    client = login(app.test_client(), user, org)
    response = client.get("/app/search?q=kestrel")
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    text = response.text
    for found in (
        "Kestrel_Bridge project",
        "Kestrel%Dam project",
        "Kestrel_Works",
        "Kestrel_Bridge offer",
        "Kestrel_-1",
    ):
        assert found in text, found
    assert "Alien" not in text and "Kestrel_Foreign" not in text and "foreign.example" not in text
    assert 'value="kestrel"' in text  # the box keeps what was typed


def test_wildcards_are_literal_and_case_does_not_matter(app):
    user, org = _world(app)
    client = login(app.test_client(), user, org)
    percent = client.get("/app/search", query_string={"q": "KESTREL%"}).text
    assert "Kestrel%Dam project" in percent and "Kestrel_Bridge project" not in percent
    underscore = client.get("/app/search", query_string={"q": "l_b"}).text
    assert "Kestrel_Bridge project" in underscore and "Kestrel%Dam" not in underscore
    assert 'id="results-clients"' not in underscore and "Alien" not in underscore  # "Kestrel_Works" has no "l_b"


def test_invoices_by_number_and_clients_by_email(app):
    user, org = _world(app)
    client = login(app.test_client(), user, org)
    text = client.get("/app/search?q=kestrel%25-2").text
    assert "Kestrel%-2" in text and "Kestrel_-1" not in text
    text = client.get("/app/search?q=OFFICE@KESTREL").text
    assert "Kestrel_Works" in text and "Kestrel_Foreign" not in text


def test_empty_and_unmatched_searches(app):
    user, org = _world(app)
    client = login(app.test_client(), user, org)
    assert "Type a project or client name" in client.get("/app/search").text
    assert "Type a project or client name" in client.get("/app/search?q=%20%20").text
    assert "Nothing matches “zebra”" in client.get("/app/search?q=zebra").text


def test_a_long_section_links_to_its_list(app):
    with app.app_context():
        org = make_org()
        user, customer = make_user(org), make_client(org)
        db.session.add_all(Project(org_id=org.id, client_id=customer.id, name=f"Survey {n}") for n in range(12))
        db.session.commit()
        user, org = SimpleNamespace(id=user.id), SimpleNamespace(id=org.id)
    client = login(app.test_client(), user, org)
    text = client.get("/app/search?q=survey").text
    assert text.count("/app/projects/") == 10
    assert 'href="/app/projects?q=survey">All 12 matching projects' in text
