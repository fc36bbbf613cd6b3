"""Concurrent creators never share an invoice number."""

from concurrent.futures import ThreadPoolExecutor

from portal.extensions import db
from portal.models import Invoice, Organization
from portal.services.activity import Actor
from tests.factories import create_flight_invoice, make_client, make_org


def test_parallel_invoices_get_distinct_consecutive_numbers(app, ctx):
    org = make_org()
    client_id = make_client(org).id
    org_id = org.id
    db.session.remove()

    def create(_n):
        with app.app_context():
            organization = db.session.get(Organization, org_id)
            invoice = create_flight_invoice(organization, Actor("operator", "Test"), client_id, 1000)
            number = invoice.number
            db.session.remove()
            return number

    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(create, range(18)))
    assert sorted(numbers) == [f"INV-{n:04d}" for n in range(1, 19)]
    assert db.session.execute(db.select(db.func.count(Invoice.id))).scalar() == 18
