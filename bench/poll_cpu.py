"""CPU time of one idle 304 poll against a bare Flask route, in process: a figure a busy machine does not move.

Usage: .venv/bin/python -m bench.poll_cpu [--requests 3000]
Builds a 1× database on the local PostgreSQL server (TEST_POSTGRES_URL as in the tests), drops it afterwards, and
prints microseconds of Python CPU per request and, for the poll, of PostgreSQL backend CPU.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import text
from werkzeug.test import EnvironBuilder

from bench.run import database


def _backend_cpu(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    requests = parser.parse_args().requests
    with tempfile.TemporaryDirectory() as folder:
        url, drop = database("postgresql", Path(folder))
        try:
            os.environ.update(DATABASE_URL=url, SECRET_KEY="bench", LINK_SECRET="bench", STORAGE_DIR=folder)
            measure(requests)
        finally:
            drop()


def measure(requests: int) -> None:
    from bench.generate import generate
    from portal import create_app
    from portal.extensions import db

    app = create_app({"RATELIMIT_ENABLED": False})
    with app.app_context():
        db.create_all()
        first = generate(1)
    browser = app.test_client()
    page = browser.get(f"/p/{first['token']}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    browser.post(f"/p/{first['token']}", data={"csrf_token": csrf})
    path = f"/portal/{first['slug']}/projects/{first['project_id']}/thread"
    etag = browser.get(path, headers={"HX-Request": "true"}).headers["ETag"]
    headers = {"HX-Request": "true", "If-None-Match": etag, "Cookie": f"session={browser.get_cookie('session').value}"}
    environ = EnvironBuilder(path=path, headers=headers).get_environ()
    bare = Flask("bare")
    bare.add_url_rule("/portal/<slug>/projects/<int:project_id>/thread", "thread", lambda **_: b"x" * 30000)
    statuses = []

    def start_response(status, _headers, _exc=None):
        statuses.append(status)

    def run(wsgi) -> tuple[float, float]:
        for _ in range(50):
            b"".join(wsgi(dict(environ), start_response))
        with app.app_context(), db.engine.connect() as conn:
            # Every backend of this database (the pool may hold more than one connection), this one included.
            pids = (
                conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))
                .scalars()
                .all()
            )
        python, backend = time.process_time(), _backend_cpu(pids)
        for _ in range(requests):
            b"".join(wsgi(dict(environ), start_response))
        per = 1e6 / requests
        return (time.process_time() - python) * per, (_backend_cpu(pids) - backend) * per

    for _ in range(2):
        bare_python, _ = run(bare)
        poll_python, poll_backend = run(app)
        print(
            f"bare Flask: {bare_python:.0f} µs Python; idle poll ({statuses[-1]}): {poll_python:.0f} µs Python "
            f"+ {poll_backend:.0f} µs PostgreSQL backend",
            flush=True,
        )


if __name__ == "__main__":
    main()
