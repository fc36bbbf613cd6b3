"""No raw token or access code ends up in the database or in the logs."""

import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from sqlalchemy import select

from portal.extensions import db
from portal.logs import RedactTokens
from tests.conftest import HX, login
from tests.factories import make_client, make_org, make_project, make_user


def _database_text() -> str:
    parts = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).all():
            parts.append(" ".join(map(str, row)))
    return "\n".join(parts)


def test_tokens_and_codes_never_stored_or_logged(app, ctx, caplog):
    caplog.set_level(logging.DEBUG)
    org = make_org(slug="secrets")
    operator = login(app.test_client(), make_user(org), org)
    customer = make_client(org)
    project = make_project(org, customer)
    created = operator.post(
        f"/app/projects/{project.id}/links",
        headers=HX,
        data={"email": customer.email, "code_mode": "typed", "access_code": "918273"},
    )
    url = re.search(r'id="revealed-url" value="([^"]+)"', created.text).group(1)
    token = url.rsplit("/p/", 1)[1]
    portal = app.test_client()
    portal.get(f"/p/{token}")
    portal.post(f"/p/{token}", data={"code": "000000"})
    portal.post(f"/p/{token}", data={"code": "918273"})
    rotated = operator.post(
        f"/app/links/{db.session.execute(select(db.metadata.tables['portal_link'].c.id)).scalar()}/rotate",
        data={"confirmed": "1"},
        headers=HX,
    )
    new_code = re.search(r'id="revealed-code">(\d{6})<', rotated.text).group(1)
    logging.getLogger("werkzeug").info('127.0.0.1 - - "GET /p/%s HTTP/1.1" 200 -', token)
    stored = _database_text()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (token, "918273", new_code):
        assert secret not in stored
        assert secret not in logged
    assert "/p/[redacted]" in logged


def test_redaction_filter():
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '"GET /p/%s HTTP/1.1" 200', ("A" * 43,), None)
    RedactTokens().filter(record)
    assert record.getMessage() == '"GET /p/[redacted] HTTP/1.1" 200'


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_access_log_redacts_tokens(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'g.sqlite3'}",
        "STORAGE_DIR": str(tmp_path / "s"),
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
    }
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    subprocess.run([flask, "--app", "wsgi", "db", "upgrade"], env=env, cwd=root, check=True, capture_output=True)
    process = subprocess.Popen(
        [gunicorn, "wsgi:app", "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=root,
    )
    token = "Q" * 43
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/p/{token}", timeout=5)
        except urllib.error.HTTPError as exc:
            assert exc.code == 404
        time.sleep(0.3)
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=20)[0].decode()
    assert "/robots.txt" in output
    assert token not in output and "/p/[redacted]" in output
