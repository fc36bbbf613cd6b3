"""The Procfile's web and worker processes, run by honcho, serve the app and deliver an email end to end;
gunicorn alone in single-dyno mode does the same."""

from __future__ import annotations

import http.cookiejar
import os
import re
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from portal.extensions import db
from portal.models import Notification
from tests.factories import PASSWORD, make_client, make_link, make_org, make_project, make_user
from tests.integration.mail_stack import (
    GUNICORN,
    SHARED_REDIS,
    Inbox,
    SMTPServer,
    forget_queue,
    free_port,
    queue_name,
    serving,
    wait_for,
)


class Browser:
    """A cookie-keeping HTTP client that finds the CSRF token on each page."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.read().decode()

    def post(self, path: str, data: dict) -> int:
        body = urllib.parse.urlencode(data).encode()
        with self.opener.open(self.base + path, data=body, timeout=10) as response:
            return response.status

    @staticmethod
    def csrf(page: str) -> str:
        """The CSRF token every page carries on its body (for htmx)."""
        return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)

    def sign_in(self, email: str) -> None:
        """Sign in as the operator with this email (and the factories' password)."""
        page = self.get("/login")
        self.post("/login", {"email": email, "password": PASSWORD, "csrf_token": self.csrf(page)})

    def post_message(self, project_id: int, body: str) -> None:
        """Post a message on the project's thread with the form of its page."""
        page = self.get(f"/app/projects/{project_id}")
        status = self.post(f"/app/projects/{project_id}/messages", {"body": body, "csrf_token": self.csrf(page)})
        assert status in (200, 303)


def _env(database_url: str, tmp_path: Path, smtp_port: int, queue: str, **extra) -> dict:
    bin_dir = str(Path(sys.executable).parent)
    return {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "DATABASE_URL": database_url,
        "REDIS_URL": SHARED_REDIS,
        "RQ_QUEUE": queue,
        "SECRET_KEY": "procfile-test-secret",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "MAIL_DEFAULT_SENDER": "portal@procfile.example",
        "STORAGE_DIR": str(tmp_path / "storage"),
        "WEB_CONCURRENCY": "1",
        "BIND_HOST": "127.0.0.1",
        "EMAIL_SWEEP_SECONDS": "1",
        "EMAIL_BATCH_SECONDS": "1",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def _world():
    org = make_org("Procfile Aerial")
    operator = make_user(org, email=f"op-{org.slug}@procfile.example")
    customer = make_client(org, email="client@procfile.example")
    project = make_project(org, customer)
    make_link(org, customer, project)
    return operator.email, project.id


@pytest.mark.parametrize("mode", ["honcho", "single_dyno"])
def test_procfile_serves_and_delivers(app, ctx, database_url, tmp_path, mode):
    email, project_id = _world()
    db.session.remove()
    inbox = Inbox()
    port, queue = free_port(), queue_name()
    log = tmp_path / "processes.log"
    with SMTPServer(inbox) as smtp:
        env = _env(database_url, tmp_path, smtp.port, queue, PORT=str(port))
        if mode == "honcho":
            # `release` exits after migrating, and honcho stops every process when one exits: start web and worker.
            command = [str(Path(sys.executable).with_name("honcho")), "start", "-f", "Procfile", "-p", str(port)]
            command += ["web", "worker"]
        else:
            env["WEB_RUNS_WORKER"] = "1"
            command = GUNICORN
        try:
            with serving(command, env, log, port) as base:
                browser = Browser(base)
                browser.sign_in(email)
                browser.post_message(project_id, "Hello over HTTP")
                wait_for(lambda: inbox.delivered, timeout=30, what="the email")
        finally:
            forget_queue(SHARED_REDIS, queue)
    assert len(inbox.delivered) == 1, log.read_text()
    assert inbox.delivered[0]["to"] == ["client@procfile.example"]
    assert "Hello over HTTP" in inbox.texts()[0]
    assert db.session.execute(db.select(Notification.status)).scalar_one() == "sent"
    output = log.read_text()
    assert "Listening at: http://127.0.0.1" in output
    # Threaded workers by default, so a long download holds one thread rather than a whole worker.
    assert "Using worker: gthread" in output
