"""Proposal and invoice forms: only what can be done is offered, the chosen client's projects, the number format."""

from __future__ import annotations

import re
from datetime import date, timedelta

from portal.extensions import db
from portal.models import Invoice, Organization, Proposal
from tests.conftest import HX, login
from tests.factories import make_client, make_org, make_project, make_user
from tests.routes.test_proposals import _lines


def _operator(app, **org_fields):
    """An organization with two clients and a project each; returns a logged-in browser and the ids."""
    with app.app_context():
        org = make_org("Fjord Aerial", **org_fields)
        user = make_user(org)
        mine, theirs = make_client(org, name="Harbour Co"), make_client(org, name="Quarry Ltd")
        ids = {
            "org": org.id,
            "mine": mine.id,
            "theirs": theirs.id,
            "my_project": make_project(org, mine, name="HARBOUR-PROJECT").id,
            "their_project": make_project(org, theirs, name="QUARRY-PROJECT").id,
        }
        browser = login(app.test_client(), user, org)
    return browser, ids


def _invoice_data(client_id: int, *lines, **extra) -> dict:
    return {
        "client_id": client_id,
        "issue_date": date.today().isoformat(),
        "due_date": (date.today() + timedelta(days=14)).isoformat(),
        **_lines(*lines),
        **extra,
    }


def _project_options(page: str) -> list[str]:
    select = page.split('id="project_id"', 1)[1].split("</select>", 1)[0]
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def _swapped(page: str, fragment: str) -> str:
    """The page as the browser shows it once htmx has swapped the status card in place."""
    card = re.compile(r'<section id="status-card".*?</section>', re.S)
    return card.sub(lambda _match: card.search(fragment).group(0), page, count=1)


def test_edit_is_offered_only_while_a_document_is_a_draft(app):
    browser, ids = _operator(app)
    for _ in range(2):
        browser.post("/app/invoices/new", data=_invoice_data(ids["mine"], ("Flight", "1", "100", "")))
    with app.app_context():
        first, second = db.session.execute(db.select(Invoice.id).order_by(Invoice.id)).scalars()
    # Sent and paid in place: the page the operator is looking at no longer offers Edit.
    page = browser.get(f"/app/invoices/{first}").text
    assert f"/app/invoices/{first}/edit" in page
    page = _swapped(page, browser.post(f"/app/invoices/{first}/send", headers=HX).text)
    page = _swapped(page, browser.post(f"/app/invoices/{first}/paid", data={"confirmed": "1"}, headers=HX).text)
    assert "Paid" in page and f"/app/invoices/{first}/edit" not in page
    assert f"/app/invoices/{first}/edit" not in browser.get(f"/app/invoices/{first}").text
    # Voided in place, likewise.
    page = browser.get(f"/app/invoices/{second}").text
    page = _swapped(page, browser.post(f"/app/invoices/{second}/void", headers=HX).text)
    assert "Void" in page and f"/app/invoices/{second}/edit" not in page
    # A proposal sent in place.
    proposal = {"client_id": ids["mine"], "title": "Survey", **_lines(("A", "1", "1", ""))}
    browser.post("/app/proposals/new", data=proposal)
    with app.app_context():
        proposal_id = db.session.execute(db.select(Proposal.id)).scalar_one()
    page = browser.get(f"/app/proposals/{proposal_id}").text
    assert f"/app/proposals/{proposal_id}/edit" in page
    page = _swapped(page, browser.post(f"/app/proposals/{proposal_id}/send", headers=HX).text)
    assert f"/app/proposals/{proposal_id}/edit" not in page


def test_forms_list_the_chosen_clients_projects_and_follow_a_change_of_client(app):
    browser, ids = _operator(app)
    for kind in ("invoices", "proposals"):
        blank = browser.get(f"/app/{kind}/new").text
        # Before a client is chosen every project is listed under its client's name (the page works without JS).
        assert 'label="Harbour Co"' in blank and 'label="Quarry Ltd"' in blank
        chosen = _project_options(browser.get(f"/app/{kind}/new?client_id={ids['mine']}").text)
        assert "HARBOUR-PROJECT" in chosen and "QUARRY-PROJECT" not in chosen
        # Changing the client re-renders the form in place (htmx), keeping what was typed.
        typed = _lines(("Typed line", "2", "5", ""))
        data = {"client_id": ids["theirs"], "refresh_projects": "1", "title": "T", **typed}
        fragment = browser.post(f"/app/{kind}/new", data=data, headers=HX)
        assert fragment.status_code == 200 and "<html" not in fragment.text and 'id="document-form"' in fragment.text
        options = _project_options(fragment.text)
        assert "QUARRY-PROJECT" in options and "HARBOUR-PROJECT" not in options
        client_select = re.search(r"<select[^>]*id=\"client_id\"[^>]*>", fragment.text).group(0)
        assert 'value="Typed line"' in fragment.text and f'hx-post="/app/{kind}/new"' in client_select
        # Without JavaScript the same button re-renders the page; nothing is saved either way.
        assert "Show this client's projects" in browser.post(f"/app/{kind}/new", data=data).text
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Invoice.id))).scalar() == 0
    # A project of another client posted anyway is still refused by the server.
    refused = browser.post(
        "/app/invoices/new",
        data=_invoice_data(ids["mine"], ("Flight", "1", "100", ""), project_id=ids["their_project"]),
    )
    assert refused.status_code == 422 and "belongs to another client" in refused.text


def test_amounts_are_typed_and_shown_in_the_organizations_number_format(app):
    browser, ids = _operator(app, currency="NOK", locale="nb_NO")
    response = browser.post(
        "/app/invoices/new",
        data=_invoice_data(ids["mine"], ("Flight day", "1,5", "1450,50", "25"), ("Travel", "1", "1 000", "")),
    )
    assert response.status_code == 303, response.text
    with app.app_context():
        invoice = db.session.execute(db.select(Invoice)).scalar_one()
        assert [line.unit_price_minor for line in invoice.lines] == [145050, 100000]
        assert invoice.subtotal_minor == 317575  # 1.5 × 1450.50 + 1000
        invoice_id = invoice.id
    page = browser.get(f"/app/invoices/{invoice_id}").text
    assert "3\u00a0175,75\u00a0kr" in page and "1\u00a0450,50\u00a0kr" in page
    form = browser.get(f"/app/invoices/{invoice_id}/edit").text
    assert 'value="1450,50"' in form and 'value="1,5"' in form
    assert "3\u00a0719,69\u00a0kr" in browser.get("/app/invoices").text  # the total, 25 % tax on the first line


def test_a_decimal_comma_is_refused_where_the_comma_groups_digits(app):
    browser, ids = _operator(app, currency="GBP")
    refused = browser.post("/app/invoices/new", data=_invoice_data(ids["mine"], ("Flight", "1", "1450,50", "")))
    assert refused.status_code == 422 and "a number like 1,250.50" in refused.text
    accepted = browser.post("/app/invoices/new", data=_invoice_data(ids["mine"], ("Flight", "1", "1,450.50", "")))
    assert accepted.status_code == 303
    with app.app_context():
        assert db.session.execute(db.select(Invoice.total_minor)).scalar_one() == 145050


def test_the_number_format_is_a_branding_setting(app):
    browser, ids = _operator(app)
    page = browser.get("/app/settings").text
    assert 'name="locale"' in page and "Deutsch (Deutschland) — 1.450,50" in page
    branding = {"name": "Fjord Aerial", "accent_color": "#0f766e", "currency": "EUR"}
    assert browser.post("/app/settings", data={**branding, "locale": "de_DE"}).status_code == 303
    bad = browser.post("/app/settings", data={**branding, "locale": "xx_XX"})
    assert bad.status_code == 422 and "Choose a number format" in bad.text
    with app.app_context():
        assert db.session.get(Organization, ids["org"]).locale == "de_DE"


def test_the_website_hint_names_no_other_business(app):
    browser, _ids = _operator(app)
    page = browser.get("/app/settings").text
    assert "skyline" not in page.lower() and "starting with https://" in page
