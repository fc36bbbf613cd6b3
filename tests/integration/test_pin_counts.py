"""A file's page and a pin cost a fixed number of statements, however many pins the file already has."""

from contextlib import contextmanager

from sqlalchemy import event

from portal.extensions import db
from portal.models import Message
from tests.conftest import HX
from tests.media_world import make_media_world, open_portal


@contextmanager
def counting(engine):
    """The statements run on the engine meanwhile (requests are made outside any app context)."""
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


PAGE = 6  # the session and link, the sidebar's counts, the file, its media row, its pins, the project
# The checks (file, media, subject), the message, its Activity, the read marker, the outbox rows, the block again;
# without Redis the operators' email is also delivered inline (about ten of these).
PIN = 28


def _costs(app, world, browser) -> tuple[int, int]:
    photo = world.photo_ids[0]
    with app.app_context():
        engine = db.engine
    with counting(engine) as page:
        assert browser.get(world.url(f"/files/{photo}/pins")).status_code == 200
    with counting(engine) as pin:
        response = browser.post(
            world.url(f"/files/{photo}/pins"), data={"body": "Here", "x": "0.5", "y": "0.5"}, headers=HX
        )
        assert response.status_code == 200 and "Comment posted." in response.text
    return len(page), len(pin)


def test_a_files_page_and_a_pin_have_a_fixed_cost(app):
    with app.app_context():
        world = make_media_world()
    browser = open_portal(app, world)
    first = _costs(app, world, browser)
    with app.app_context():
        db.session.add_all(
            Message(
                project_id=world.project_id,
                sender_type="client",
                sender_name="C",
                body=f"pin {n}",
                file_id=world.photo_ids[0],
                pin_x=n / 100,
                pin_y=0.5,
            )
            for n in range(50)
        )
        db.session.commit()
    later = _costs(app, world, browser)
    assert later == first, (first, later)
    assert first[0] <= PAGE and first[1] <= PIN, first
