"""A line break in a name can neither forge a server log line nor reach an email's subject."""

from __future__ import annotations

import io
import logging
from email import message_from_string
from email.header import decode_header, make_header

import pytest

from portal.extensions import db, mail
from portal.models import Notification, Project
from tests.conftest import login, make_test_app
from tests.factories import make_client, make_org, make_user
from tests.portal_world import make_world
from tests.samples import png_bytes

FORGED = "2026-12-02 12:00:00,000 ERROR portal: password of owner@victim.example reset by admin"


@pytest.fixture
def server_log():
    """The app's log as a server writes it: a stream handler with the production format on the app's logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("portal")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(level)


def _forged_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(FORGED[:23])]


def test_project_name_with_a_line_break_cannot_forge_a_log_line(database_url, tmp_path, app, server_log):
    production = make_test_app(
        database_url,
        tmp_path / "storage",
        ENV_NAME="production",
        PUBLIC_URL="https://portal.example.com",
        MAIL_SUPPRESS_SEND=False,
        MAIL_SERVER=None,
    )
    with production.app_context():
        world = make_world(production, slug="crlf", allow_uploads=True)
        make_user(world.org, email="owner@crlf.example")
        project = db.session.get(Project, world.project.id)
        # Names reach the database by other roads than the forms (imports, older rows), so no form is trusted here.
        project.name = f"Roof survey\r\n{FORGED}"
        db.session.commit()
        upload_url = world.url(f"/projects/{world.project.id}/files")
    response = world.browser.post(
        upload_url, data={"files": [(io.BytesIO(png_bytes()), "roof.png")]}, content_type="multipart/form-data"
    )
    assert response.status_code == 303
    logged = server_log.getvalue()
    assert "uploaded 1 file to Roof survey" in logged
    assert _forged_lines(logged) == []
    with production.app_context():
        subject = db.session.execute(db.select(Notification.subject)).scalar_one()
    assert "\r" not in subject and "\n" not in subject and subject.endswith(f"to Roof survey {FORGED}")


def test_logged_values_are_escaped_and_stay_on_one_line(app, server_log):
    with app.app_context():
        app.logger.warning("login failed for %s", f"eve@example.com\r\n{FORGED}\x1b[2J")
        app.logger.warning(f"no arguments: {FORGED[:10]}\n{FORGED}")
    logged = server_log.getvalue()
    assert _forged_lines(logged) == []
    assert "eve@example.com\\r\\n2026-12-02" in logged and "\\x1b[2J" in logged
    assert len(logged.splitlines()) == 2


def test_an_email_printed_in_development_keeps_its_lines_indented(app, server_log):
    from portal import logs

    with app.app_context():
        app.logger.warning("%s\n%s", "email to a@example.com: Hello", logs.Block(f"Hi,\n{FORGED}\n\nBye"))
    lines = server_log.getvalue().splitlines()
    assert lines[1:] == ["    | Hi,", f"    | {FORGED}", "    | ", "    | Bye"]


def test_project_form_folds_a_name_onto_one_line(app):
    with app.app_context():
        org = make_org()
        browser = login(app.test_client(), make_user(org), org)
        client_id = make_client(org).id
    response = browser.post("/app/projects/new", data={"client_id": client_id, "name": "Roof\r\nsurvey\x00 north"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.execute(db.select(Project.name)).scalar_one() == "Roof survey north"


def test_records_of_child_loggers_are_escaped_by_the_installed_handler():
    from portal import logs

    stream = io.StringIO()
    parent = logging.getLogger("escape-test")
    parent.addHandler(logging.StreamHandler(stream))
    parent.setLevel(logging.INFO)
    logs.install(("escape-test",))
    logging.getLogger("escape-test.jobs").warning("notification for %s failed", f"x\n{FORGED}")
    assert _forged_lines(stream.getvalue()) == [] and len(stream.getvalue().splitlines()) == 1


def test_gunicorn_style_access_records_keep_their_mapping():
    from portal import logs

    class Atoms(dict):
        def __getitem__(self, key):
            return super().get(key, "-")

    stream = io.StringIO()
    access = logging.getLogger("access-test")
    access.addHandler(logging.StreamHandler(stream))
    access.setLevel(logging.INFO)
    logs.install(("access-test",))
    access.info('%(h)s "%(r)s" %({x-missing}i)s', Atoms(h="127.0.0.2", r=f"GET /p/abcdefghijkl?x=\n{FORGED} HTTP/1.1"))
    assert stream.getvalue() == '127.0.0.2 "GET /p/[redacted]?x=\\n' + FORGED + ' HTTP/1.1" -\n'


def test_subjects_keep_emoji_joiners_but_lose_direction_overrides():
    from portal.logs import one_line

    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert one_line(f"Shoot {family}") == f"Shoot {family}"
    assert one_line("Invoice\u202e fdp.exe") == "Invoice fdp.exe"


def test_an_organization_name_with_a_line_break_neither_forges_a_header_nor_stops_its_emails(app):
    with app.app_context():
        org = make_org(name="Skyline")
        owner = make_user(org, email="owner@skyline.example")
        # The display name comes from the branding form or from sign-up, both plain text fields a script can fill.
        org.name = "Skyline\r\nBcc: harvest@evil.example"
        db.session.commit()
        browser = login(app.test_client(), owner, org)
    with mail.record_messages() as sent:
        invited = browser.post("/app/settings/members", data={"email": "new@skyline.example", "role": "member"})
    assert invited.status_code == 303
    assert len(sent) == 1
    with app.app_context():
        parsed = message_from_string(sent[0].as_string())
    assert parsed["Bcc"] is None and "harvest@evil.example" not in sent[0].send_to
    assert str(make_header(decode_header(parsed["From"]))) == "Skyline Bcc: harvest@evil.example <portal@localhost>"
