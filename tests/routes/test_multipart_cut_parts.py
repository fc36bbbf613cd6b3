"""A part whose connection drops midway is not kept: a resumed upload sends it again and completes."""

from __future__ import annotations

import io

from portal.extensions import db
from tests.conftest import login
from tests.factories import make_org, make_project, make_user
from tests.multipart_helpers import PART, complete, create, list_parts, payload, send_parts, sign


def test_a_part_cut_short_is_refused_and_sent_again_on_resume(app, client):
    with app.app_context():
        org = make_org()
        login(client, make_user(org), org)
        project_id = make_project(org).id
        db.session.remove()
    data = payload(2 * PART, head=b"%PDF-1.4\n")
    upload_id = create(client, project_id, "cut.pdf", len(data)).json["uploadId"]
    url = sign(client, upload_id, 2).json["url"]
    # As gunicorn does: the server marks the input terminated, so a dropped connection reads as an early end.
    cut = client.put(
        url,
        input_stream=io.BytesIO(data[PART : PART + 1000]),
        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": str(PART)},
    )
    assert cut.status_code == 400 and "incomplete" in cut.json["error"]
    assert list_parts(client, upload_id).json == []
    etags = send_parts(client, upload_id, data)
    done = complete(client, upload_id, etags)
    assert done.status_code == 200 and done.json["status"] == "ready", done.text
