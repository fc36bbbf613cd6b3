"""Proposals: draft with lines, numbering, send, accept (creates the project), decline."""

from datetime import date, timedelta

from portal.extensions import db
from portal.models import Project, Proposal
from tests.conftest import HX, login
from tests.factories import make_client, make_org, make_project, make_user


def _setup(client):
    org = make_org(currency="EUR")
    login(client, make_user(org), org)
    return org, make_client(org, name="Harbour Co")


def _lines(*rows):
    data = {}
    for i, (desc, qty, price, tax) in enumerate(rows):
        data.update(
            {
                f"lines-{i}-description": desc,
                f"lines-{i}-quantity": qty,
                f"lines-{i}-unit_price": price,
                f"lines-{i}-tax_rate": tax,
            }
        )
    return data


def _create(client, customer, title="Roof survey", **extra):
    data = {
        "client_id": customer.id,
        "title": title,
        "valid_until": extra.pop("valid_until", ""),
        **_lines(("Flight day", "1", "1,200.00", "20"), ("Editing", "2.5", "80", "20"), ("", "", "", "")),
        **extra,
    }
    return client.post("/app/proposals/new", data=data)


def test_create_proposal_computes_totals_and_numbers(client, ctx):
    _org, customer = _setup(client)
    response = _create(client, customer)
    assert response.status_code == 303
    proposal = db.session.execute(db.select(Proposal)).scalar_one()
    assert proposal.number == "P-0001" and len(proposal.lines) == 2
    assert (proposal.subtotal_minor, proposal.tax_minor, proposal.total_minor) == (140000, 28000, 168000)
    page = client.get(f"/app/proposals/{proposal.id}").text
    assert "€1,680.00" in page and "P-0001" in page
    _create(client, customer, title="Second")
    numbers = db.session.execute(db.select(Proposal.number).order_by(Proposal.id)).scalars().all()
    assert numbers == ["P-0001", "P-0002"]


def test_numbering_is_per_organization(client, ctx, app):
    _org, customer = _setup(client)
    _create(client, customer)
    other = app.test_client()
    org2 = make_org()
    login(other, make_user(org2), org2)
    _create(other, make_client(org2))
    assert sorted(db.session.execute(db.select(Proposal.number)).scalars()) == ["P-0001", "P-0001"]


def test_bad_lines_show_messages_and_write_nothing(client, ctx):
    _org, customer = _setup(client)
    data = {"client_id": customer.id, "title": "X", **_lines(("Flight", "-1", "100", ""), ("Edit", "1", "1.234", ""))}
    response = client.post("/app/proposals/new", data=data, headers=HX)
    assert response.status_code == 200 and "<html" not in response.text
    assert "cannot be negative" in response.text and "at most 2 decimals" in response.text
    empty = client.post("/app/proposals/new", data={"client_id": customer.id, "title": "X"})
    assert empty.status_code == 422 and "Add at least one line" in empty.text
    assert db.session.execute(db.select(db.func.count(Proposal.id))).scalar() == 0


def test_foreign_client_and_project_rejected(client, ctx):
    org, customer = _setup(client)
    foreign = make_client(make_org())
    assert _create(client, foreign).status_code == 422
    other_customer_project = make_project(org, make_client(org))
    response = _create(client, customer, project_id=other_customer_project.id)
    assert response.status_code == 422 and "belongs to another client" in response.text
    assert db.session.execute(db.select(db.func.count(Proposal.id))).scalar() == 0


def test_add_line_without_js_saves_nothing(client, ctx):
    _org, customer = _setup(client)
    response = client.post(
        "/app/proposals/new",
        data={
            "client_id": customer.id,
            "title": "X",
            "add_line": "1",
            **_lines(("a", "1", "1", ""), ("", "", "", ""), ("", "", "", "")),
        },
    )
    assert response.status_code == 200 and 'name="lines-3-description"' in response.text
    fragment = client.post(
        "/app/proposals/new",
        headers=HX,
        data={"client_id": customer.id, "add_line": "1", **_lines(("a", "1", "1", ""))},
    )
    assert "<html" not in fragment.text and 'name="lines-1-description"' in fragment.text
    assert db.session.execute(db.select(db.func.count(Proposal.id))).scalar() == 0


def test_send_accept_creates_one_project(client, ctx):
    _org, customer = _setup(client)
    _create(client, customer)
    proposal = db.session.execute(db.select(Proposal)).scalar_one()
    sent = client.post(f"/app/proposals/{proposal.id}/send", headers=HX)
    assert sent.status_code == 200 and 'id="status-card"' in sent.text and "Sent" in sent.text
    assert "Proposal P-0001 sent" in sent.text
    no_name = client.post(f"/app/proposals/{proposal.id}/accept", data={"name": ""}, headers=HX)
    assert no_name.status_code == 200 and "Type the full name" in no_name.text
    accepted = client.post(f"/app/proposals/{proposal.id}/accept", data={"name": "Jane Harbour"})
    assert accepted.status_code == 303
    db.session.refresh(proposal)
    project = db.session.execute(db.select(Project)).scalar_one()
    assert (
        proposal.status == "accepted" and proposal.project_id == project.id and proposal.decision_name == "Jane Harbour"
    )
    assert project.client_id == customer.id and project.status == "confirmed"
    again = client.post(f"/app/proposals/{proposal.id}/accept", data={"name": "Jane"}, headers=HX)
    assert "cannot be accepted" in again.text
    assert db.session.execute(db.select(db.func.count(Project.id))).scalar() == 1


def test_expired_proposal_cannot_be_accepted(client, ctx):
    _org, customer = _setup(client)
    _create(client, customer, valid_until=(date.today() + timedelta(days=1)).isoformat())
    proposal = db.session.execute(db.select(Proposal)).scalar_one()
    client.post(f"/app/proposals/{proposal.id}/send")
    proposal.valid_until = date.today() - timedelta(days=1)
    db.session.commit()
    assert "Expired" in client.get(f"/app/proposals/{proposal.id}").text
    response = client.post(f"/app/proposals/{proposal.id}/accept", data={"name": "Jane"}, headers=HX)
    assert response.status_code == 200 and "expired" in response.text
    db.session.refresh(proposal)
    assert proposal.status == "sent" and proposal.project_id is None


def test_decline_needs_reason(client, ctx):
    _org, customer = _setup(client)
    _create(client, customer)
    proposal = db.session.execute(db.select(Proposal)).scalar_one()
    assert client.post(f"/app/proposals/{proposal.id}/decline", data={"reason": "x"}, headers=HX).status_code == 200
    db.session.refresh(proposal)
    assert proposal.status == "draft"  # a draft cannot be declined
    client.post(f"/app/proposals/{proposal.id}/send")
    missing = client.post(f"/app/proposals/{proposal.id}/decline", data={"reason": ""})
    assert missing.status_code == 422 and "Give a reason" in missing.text
    client.post(f"/app/proposals/{proposal.id}/decline", data={"reason": "Budget moved"})
    db.session.refresh(proposal)
    assert proposal.status == "declined" and proposal.decision_reason == "Budget moved"


def test_edit_only_while_draft_and_invoice_from_accepted(client, ctx):
    _org, customer = _setup(client)
    _create(client, customer)
    proposal = db.session.execute(db.select(Proposal)).scalar_one()
    form = client.get(f"/app/proposals/{proposal.id}/edit").text
    assert 'value="Flight day"' in form and 'value="1200.00"' in form
    edited = client.post(
        f"/app/proposals/{proposal.id}/edit",
        data={"client_id": customer.id, "title": "Renamed", **_lines(("Only line", "1", "10", ""))},
        headers=HX,
    )
    assert edited.status_code == 204
    db.session.refresh(proposal)
    assert proposal.title == "Renamed" and proposal.total_minor == 1000
    client.post(f"/app/proposals/{proposal.id}/send")
    client.post(f"/app/proposals/{proposal.id}/accept", data={"name": "Jane"})
    invoice = client.post(f"/app/proposals/{proposal.id}/invoice")
    assert invoice.status_code == 303 and "/app/invoices/" in invoice.headers["Location"]


def test_foreign_proposal_is_404(client, ctx):
    _setup(client)
    other = make_org()
    foreign = Proposal(org_id=other.id, client_id=make_client(other).id, number="P-0001", title="T", currency="EUR")
    db.session.add(foreign)
    db.session.commit()
    assert client.get(f"/app/proposals/{foreign.id}").status_code == 404
    assert client.post(f"/app/proposals/{foreign.id}/send").status_code == 404
    db.session.refresh(foreign)
    assert foreign.status == "draft"


def test_list_and_filter(client, ctx):
    _org, customer = _setup(client)
    _create(client, customer, title="Alpha")
    page = client.get("/app/proposals")
    assert "Alpha" in page.text
    fragment = client.get("/app/proposals?status=sent", headers=HX)
    assert "<html" not in fragment.text and "Alpha" not in fragment.text and "No sent proposals" in fragment.text
    # Without JavaScript the filter is a plain form: the full page keeps the chosen status selected.
    full = client.get("/app/proposals?status=sent")
    assert '<option value="sent" selected>' in full.text and 'value="expired"' not in full.text
