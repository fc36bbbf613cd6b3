"""Portal pages run a fixed number of queries, whatever the amount of data (no N+1)."""

from contextlib import contextmanager
from datetime import date
from decimal import Decimal

from sqlalchemy import event

from portal.extensions import db
from portal.models import Deliverable, InvoiceLine, Message, Project, ProposalLine
from tests.factories import new_invoice, new_proposal
from tests.portal_world import make_world, store
from tests.samples import png_bytes


@contextmanager
def counting():
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def record_renders(monkeypatch, page) -> list:
    """Patch ``page.render`` to note each call's blocks (the named one first) and the statements its rendering ran."""
    rendered = []
    original = page.render

    def render(obj, block=None, *, oob=(), **kwargs):
        with counting() as statements:
            response = original(obj, block, oob=oob, **kwargs)
        rendered.append(((block, *oob), len(statements)))
        return response

    monkeypatch.setattr(page, "render", render)
    return rendered


def statements_to_render(render, project, deliverable, blocks: tuple[str, ...]) -> int:
    """Statements of rendering just these blocks with ``render`` (in a request context), rows fresh from a commit."""
    db.session.expire_all()  # as after the action's commit
    with counting() as statements:
        render(project, blocks[0], oob=blocks[1:], deliverable=deliverable)
    db.session.remove()
    return len(statements)


def _grow(world, factor: int) -> None:
    """Add more of everything the pages list."""
    client_id = world.project.client_id
    image = png_bytes()
    for n in range(factor):
        project = Project(org_id=world.org.id, client_id=client_id, name=f"Extra {n}", status="in_progress")
        db.session.add(project)
        db.session.flush()
        for d in range(3):
            deliverable = Deliverable(
                project_id=world.project.id, title=f"D{n}-{d}", client_visible=True, status="ready"
            )
            db.session.add(deliverable)
            db.session.flush()
            store(world.project, f"f{n}-{d}.png", image, "image/png", deliverable)
        for m in range(4):
            db.session.add(
                Message(
                    project_id=world.project.id,
                    sender_type="operator",
                    sender_name="Op",
                    body=f"m{n}-{m}",
                    deliverable_id=None,
                )
            )
        line = {"description": "x", "quantity": Decimal(1), "unit_price_minor": 1}
        proposal_lines, invoice_lines = [ProposalLine(**line)], [InvoiceLine(**line)]
        db.session.add(
            new_proposal(world.org.id, client_id, f"P-{world.org.id}-{n}", status="sent", lines=proposal_lines)
        )
        invoice = new_invoice(
            world.org.id,
            client_id,
            f"I-{world.org.id}-{n}",
            status="sent",
            issue_date=date.today(),
            lines=invoice_lines,
        )
        db.session.add(invoice)
    db.session.commit()


def _counts(world) -> dict:
    pages = {
        "overview": "/",
        "projects": "/projects",
        "proposals": "/proposals",
        "invoices": "/invoices",
        "project": f"/projects/{world.project.id}",
    }
    counts = {}
    for name, path in pages.items():
        with counting() as statements:
            response = world.browser.get(world.url(path))
        assert response.status_code == 200, name
        counts[name] = len(statements)
    poll_url = world.url(f"/projects/{world.project.id}/thread")
    etag = world.browser.get(poll_url, headers={"HX-Request": "true"}).headers["ETag"]
    with counting() as statements:
        response = world.browser.get(poll_url, headers={"HX-Request": "true", "If-None-Match": etag})
    assert response.status_code == 304
    counts["idle_poll"] = len(statements)
    return counts


def test_query_counts_do_not_grow_with_data(app, ctx):
    small = make_world(app, slug="small")
    _grow(small, 1)
    large = make_world(app, slug="large")
    _grow(large, 12)
    small_counts, large_counts = _counts(small), _counts(large)
    assert small_counts == large_counts
    assert large_counts["idle_poll"] == 1
    assert large_counts["project"] <= 12


def _in_transaction(dbapi_connection) -> bool:
    """Whether the driver's connection holds an open transaction (psycopg or sqlite3)."""
    info = getattr(dbapi_connection, "info", None)
    if hasattr(info, "transaction_status"):
        return info.transaction_status != info.transaction_status.IDLE
    return dbapi_connection.in_transaction


def test_portal_reads_run_without_a_transaction(app, ctx):
    """A page view or an idle poll costs its queries only: no BEGIN and ROLLBACK round trips around them."""
    world = make_world(app, slug="reads")
    _grow(world, 1)
    poll_url = world.url(f"/projects/{world.project.id}/thread")
    etag = world.browser.get(poll_url, headers={"HX-Request": "true"}).headers["ETag"]
    states = []

    def after(conn, cursor, statement, parameters, context, executemany):
        states.append(_in_transaction(cursor.connection))

    event.listen(db.engine, "after_cursor_execute", after)
    try:
        for path in ("/", f"/projects/{world.project.id}"):
            assert world.browser.get(world.url(path)).status_code == 200
        assert world.browser.get(poll_url, headers={"HX-Request": "true", "If-None-Match": etag}).status_code == 304
    finally:
        event.remove(db.engine, "after_cursor_execute", after)
    assert states and not any(states)
