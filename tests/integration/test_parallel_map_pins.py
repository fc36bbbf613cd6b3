"""Pins dropped on one map at once from several tabs, while the operator moves the site: every pin lands, numbered
once each, and the site ends at one of the positions typed (a plain write, no read-modify-write to lose)."""

import threading

from portal.extensions import db
from portal.models import Message, Project
from portal.services import site_map
from tests.conftest import login
from tests.factories import make_user
from tests.map_world import SITE
from tests.portal_world import make_world


def test_pins_at_once_all_land_and_the_site_moves_whole(app):
    with app.app_context():
        world = make_world(app, slug="pins")
        project = db.session.get(Project, world.project.id)
        project.site_lat, project.site_lon = SITE
        db.session.commit()
        project_id, token, slug = project.id, world.token, world.org.slug
        operator = app.test_client()
        login(operator, make_user(world.org), world.org)
    browsers = []
    for _ in range(6):
        browser = app.test_client()
        assert browser.post(f"/p/{token}").status_code == 303
        browsers.append(browser)
    sites = [(SITE[0] + 0.001, SITE[1]), (SITE[0], SITE[1] + 0.001)]
    barrier = threading.Barrier(len(browsers) + len(sites))
    statuses = []
    lock = threading.Lock()

    def pin(browser, n):
        barrier.wait()
        data = {"lat": str(SITE[0] + n / 10_000), "lon": str(SITE[1]), "body": f"pin {n}"}
        response = browser.post(f"/portal/{slug}/projects/{project_id}/map-pins", data=data)
        with lock:
            statuses.append(response.status_code)

    def move(position):
        barrier.wait()
        response = operator.post(f"/app/projects/{project_id}/site", data={"lat": position[0], "lon": position[1]})
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=pin, args=(b, n)) for n, b in enumerate(browsers)]
    threads += [threading.Thread(target=move, args=(position,)) for position in sites]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [303] * len(threads)
    with app.app_context():
        project = db.session.get(Project, project_id)
        assert (project.site_lat, project.site_lon) in sites
        rows = db.session.execute(
            db.select(Message).where(Message.project_id == project_id).order_by(Message.id)
        ).scalars()
        thread_rows = [m for m in rows if m.pin_lat is not None]
        built = site_map.build(project, thread_rows, client=True)
        assert sorted(p.body for p in built.pins) == sorted(f"pin {n}" for n in range(len(browsers)))
        assert [p.number for p in built.pins] == list(range(1, len(browsers) + 1))
