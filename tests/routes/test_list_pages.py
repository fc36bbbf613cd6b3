"""Every dashboard list pages through its rows and searches them, within the organization only."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.models import Activity, Client, Invoice, Notification, Project, Proposal
from tests.conftest import HX, login
from tests.factories import make_activity, make_client, make_org, make_user


def _project(org_id, client_id, text, n):
    return Project(org_id=org_id, client_id=client_id, name=text, status="draft")


def _client(org_id, client_id, text, n):
    return Client(org_id=org_id, email=f"c{n}-{org_id}@example.com", name=text)


def _proposal(org_id, client_id, text, n):
    return Proposal(org_id=org_id, client_id=client_id, number=f"P-{n:04d}", title=text, currency="EUR")


def _invoice(org_id, client_id, text, n):
    return Invoice(org_id=org_id, client_id=client_id, number=text[:20], issue_date=date.today(), currency="EUR")


def _email(org_id, client_id, text, n):
    return Notification(org_id=org_id, to_email=f"to{n}@example.com", kind="invitation", subject=text)


def _activity(org_id, client_id, text, n):
    return Activity(org_id=org_id, actor_type="system", actor_label="System", verb="test.happened", summary=text)


# (list URL, DOM id of its list, how to make one row whose searchable text is ``text``)
LISTS = {
    "projects": ("/app/projects", "project-list", _project),
    "clients": ("/app/clients", "client-list", _client),
    "proposals": ("/app/proposals", "proposal-list", _proposal),
    "invoices": ("/app/invoices", "invoice-list", _invoice),
    "emails": ("/app/emails", "email-list", _email),
    "activity": ("/app/activity", "activity-list", _activity),
}


def _world(app, kind: str, texts: list[str], foreign_texts: tuple[str, ...] = ()):
    """An organization holding one row per text (and another organization with its own rows); its operator."""
    make = LISTS[kind][2]
    with app.app_context():
        org, other = make_org(), make_org()
        user = make_user(org)
        customer, stranger = make_client(org, name="Customer"), make_client(other, name="Stranger")
        db.session.add_all(make(org.id, customer.id, text, n) for n, text in enumerate(texts, start=1))
        db.session.add_all(make(other.id, stranger.id, text, 900 + n) for n, text in enumerate(foreign_texts))
        db.session.commit()
        return SimpleNamespace(id=user.id), SimpleNamespace(id=org.id)


def _shown(text: str, pattern: str = r"Row-\d{3}") -> set[str]:
    return set(re.findall(pattern, text))


@pytest.mark.parametrize("kind", LISTS)
def test_page_two_shows_the_next_rows_and_keeps_the_search(app, kind):
    url, list_id, _make = LISTS[kind]
    rows = [f"Row-{n:03d}" for n in range(1, 56)]
    user, org = _world(app, kind, rows + ["Other-1", "Other-2"])
    client = login(app.test_client(), user, org)

    first = client.get(f"{url}?q=row")
    assert first.status_code == 200
    assert len(_shown(first.text)) == 50
    assert "1–50 of 55" in first.text and "Page 1 of 2" in first.text
    next_url = re.search(r'<a class="button secondary small" rel="next" href="([^"]+)"', first.text).group(1)
    assert "q=row" in next_url and "page=2" in next_url

    second = client.get(next_url.replace("&amp;", "&"))
    assert second.status_code == 200
    assert len(_shown(second.text)) == 5
    assert _shown(first.text) | _shown(second.text) == set(rows)
    assert "Other-" not in second.text
    assert "51–55 of 55" in second.text and 'rel="prev"' in second.text and 'rel="next"' not in second.text

    fragment = client.get(next_url.replace("&amp;", "&"), headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert f'id="{list_id}"' in fragment.text and _shown(fragment.text) == _shown(second.text)
    assert "HX-Request" in fragment.headers["Vary"]


@pytest.mark.parametrize("kind", ["projects", "emails"])
@pytest.mark.parametrize("page", ["abc", "0", "-3", "1.5", "", "99999999999999999999999", "%00", "2'", "²", "٣"])
def test_a_bad_page_number_means_page_one(app, kind, page):
    url, _list_id, _make = LISTS[kind]
    user, org = _world(app, kind, [f"Row-{n:03d}" for n in range(1, 56)])
    client = login(app.test_client(), user, org)
    response = client.get(f"{url}?page={page}")
    assert response.status_code == 200
    assert "1–50 of 55" in response.text and "Page 1 of 2" in response.text


def test_a_page_past_the_end_shows_the_last_page(app):
    user, org = _world(app, "invoices", [f"Row-{n:03d}" for n in range(1, 56)])
    client = login(app.test_client(), user, org)
    response = client.get("/app/invoices?page=7")
    assert response.status_code == 200
    assert "51–55 of 55" in response.text and "Page 2 of 2" in response.text and len(_shown(response.text)) == 5


def test_a_short_list_has_no_pager_links(app):
    user, org = _world(app, "clients", ["Row-001", "Row-002"])
    client = login(app.test_client(), user, org)
    response = client.get("/app/clients")
    # Three: every world also holds the customer its other rows belong to.
    assert "1–3 of 3 clients" in response.text
    assert 'rel="next"' not in response.text and "Page 1 of" not in response.text


SEARCHABLE = ["Alpha_one", "Alpha%two", "AlphaXthree", "Beta"]
FOREIGN = ("Alpha_foreign", "Alpha%foreign")
MARKERS = r"Alpha[_%X]\w+|Beta"


@pytest.mark.parametrize("kind", LISTS)
@pytest.mark.parametrize(
    "query,expected",
    [
        ("alpha", {"Alpha_one", "Alpha%two", "AlphaXthree"}),  # case-insensitive
        ("ALPHA_ONE", {"Alpha_one"}),
        ("_", {"Alpha_one"}),  # "_" is a letter to look for, not LIKE's any-character
        ("%", {"Alpha%two"}),  # likewise "%"
        ("a%t", {"Alpha%two"}),
        ("\\", set()),
        ("Gamma", set()),
    ],
)
def test_search_on_every_list(app, kind, query, expected):
    url, list_id, _make = LISTS[kind]
    user, org = _world(app, kind, SEARCHABLE, FOREIGN)
    client = login(app.test_client(), user, org)
    for headers in ({}, HX):
        response = client.get(url, query_string={"q": query}, headers=headers)
        assert response.status_code == 200
        assert _shown(response.text, MARKERS) == expected, (kind, query, headers)
        assert "foreign" not in response.text
        if headers:
            assert "<html" not in response.text and f'id="{list_id}"' in response.text


def test_invoices_are_found_by_client_name_and_emails_by_recipient(app):
    user, org = _world(app, "invoices", ["INV-0001"])
    client = login(app.test_client(), user, org)
    assert "INV-0001" in client.get("/app/invoices?q=custom").text
    assert "INV-0001" not in client.get("/app/invoices?q=stranger").text
    user, org = _world(app, "emails", ["Hello there"])
    client = login(app.test_client(), user, org)
    assert "Hello there" in client.get("/app/emails?q=TO1@example").text
    assert "Hello there" not in client.get("/app/emails?q=to2@example").text


def test_search_ignores_case_beyond_ascii(app):
    user, org = _world(app, "clients", ["Åse Ødegård", "Ase Odegard"])
    client = login(app.test_client(), user, org)
    text = client.get("/app/clients?q=ÅSE ØDE").text
    assert "Åse Ødegård" in text and "Ase Odegard" not in text
    assert "Åse Ødegård" in client.get("/app/clients?q=åse ødegård").text


def test_search_and_status_filter_together(app):
    with app.app_context():
        org = make_org()
        user, customer = make_user(org), make_client(org)
        db.session.add_all(
            [
                Project(org_id=org.id, client_id=customer.id, name="Bridge survey", status="draft"),
                Project(org_id=org.id, client_id=customer.id, name="Bridge inspection", status="scheduled"),
                Project(org_id=org.id, client_id=customer.id, name="Roof survey", status="scheduled"),
            ]
        )
        db.session.commit()
        user, org = SimpleNamespace(id=user.id), SimpleNamespace(id=org.id)
    client = login(app.test_client(), user, org)
    text = client.get("/app/projects?q=bridge&status=scheduled").text
    assert "Bridge inspection" in text and "Bridge survey" not in text and "Roof survey" not in text


def test_activity_of_one_project(app):
    with app.app_context():
        org, other = make_org(), make_org()
        user, customer = make_user(org), make_client(org)
        mine = Project(org_id=org.id, client_id=customer.id, name="Mine")
        theirs = Project(org_id=other.id, client_id=make_client(other).id, name="Theirs")
        db.session.add_all([mine, theirs])
        db.session.flush()
        make_activity(org, mine, "In mine")
        make_activity(org, None, "Org-wide entry")
        make_activity(other, theirs, "In theirs")
        ids = SimpleNamespace(user=user.id, org=org.id, mine=mine.id, theirs=theirs.id)
    client = login(app.test_client(), SimpleNamespace(id=ids.user), SimpleNamespace(id=ids.org))
    everything = client.get("/app/activity").text
    assert "In mine" in everything and "Org-wide entry" in everything and "In theirs" not in everything
    one = client.get(f"/app/activity?project={ids.mine}").text
    assert "In mine" in one and "Org-wide entry" not in one
    assert f'name="project" value="{ids.mine}"' in one  # the search stays within the project
    assert client.get(f"/app/activity?project={ids.theirs}").status_code == 404
    project_page = client.get(f"/app/projects/{ids.mine}").text
    assert f"/app/activity?project={ids.mine}" in project_page


def test_retry_keeps_the_email_log_where_it_was(app):
    with app.app_context():
        org = make_org()
        user = make_user(org)
        for n in range(55):
            db.session.add(
                Notification(org_id=org.id, to_email=f"r{n}@example.com", kind="invitation", subject=f"Row-{n:03d}")
            )
        failed = Notification(
            org_id=org.id, to_email="bounce@example.com", kind="invitation", subject="Row-999", status="failed"
        )
        db.session.add(failed)
        db.session.commit()
        failed_id, user, org = failed.id, SimpleNamespace(id=user.id), SimpleNamespace(id=org.id)
    client = login(app.test_client(), user, org)
    page_two = client.get("/app/emails?q=row&page=2").text
    assert f"/app/emails/{failed_id}/retry?q=row&amp;page=2" not in page_two  # the newest email is on page 1
    page_one = client.get("/app/emails?q=row").text
    assert f"/app/emails/{failed_id}/retry?q=row" in page_one
    response = client.post(f"/app/emails/{failed_id}/retry?q=row")
    assert response.status_code == 303 and response.headers["Location"].endswith("/app/emails?q=row")
