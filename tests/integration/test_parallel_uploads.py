"""Eight simultaneous completions of one upload: the parts are joined once and one file is recorded."""

import threading
from functools import partial

from portal.extensions import db
from portal.models import StoredFile
from tests.conftest import login
from tests.factories import make_org, make_project, make_user
from tests.multipart_helpers import complete, create, payload, send_parts
from tests.threads import run_together


def test_simultaneous_completions_have_one_winner(app):
    with app.app_context():
        org = make_org()
        user = make_user(org)
        project_id = make_project(org).id
        browsers = [login(app.test_client(), user, org) for _ in range(8)]
        db.session.remove()
    data = payload(3000, head=b"%PDF-1.4\n")
    upload_id = create(browsers[0], project_id, "race.pdf", len(data)).json["uploadId"]
    etags = send_parts(browsers[0], upload_id, data)
    barrier = threading.Barrier(len(browsers))
    statuses, lock = [], threading.Lock()

    def finish(browser):
        barrier.wait()
        response = complete(browser, upload_id, etags)
        with lock:
            statuses.append((response.status_code, (response.json or {}).get("status")))

    run_together(partial(finish, browser) for browser in browsers)
    assert sorted(statuses, key=str) == sorted([(200, "ready")] + [(409, None)] * 7, key=str), statuses
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(StoredFile.id))).scalar() == 1
        db.session.remove()
