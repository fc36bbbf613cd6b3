"""Real parts for the integration tests: an SMTP server (aiosmtpd), Redis (the shared server or a private one),
`flask worker` and gunicorn processes, wired to the test database."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from redis import Redis

from portal.extensions import db

ROOT = Path(__file__).resolve().parents[2]
SHARED_REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BLOCK = "block"
GUNICORN = [str(Path(sys.executable).with_name("gunicorn")), "wsgi:app", "--config", "gunicorn.conf.py"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_program(path: str | None, missing: str) -> str:
    """The program's path; without it the test fails on CI (``missing`` says why) and is skipped elsewhere."""
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    return path


def spawn(command: list[str], env: dict, out) -> subprocess.Popen:
    """Start a command from the project root in a process group of its own (stop it with ``stop_group``)."""
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def wait_healthy(base: str, process: subprocess.Popen, log: Path, timeout: float = 40) -> None:
    """Wait until ``base``/healthz answers 200; fail with the process's log if it exits first or never answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{base} did not answer:\n{log.read_text()}")


@contextmanager
def serving(command: list[str], env: dict, log: Path, port: int) -> Iterator[str]:
    """Run a web process that listens on ``port`` (its output in ``log``) for the block; yield its base URL once
    /healthz answers, and stop the process and all it started at the end."""
    with open(log, "wb") as out:
        process = spawn(command, env, out)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, process, log)
            yield base
        finally:
            stop_group(process)


def wait_for(predicate, timeout: float = 20, interval: float = 0.1, what: str = "condition"):
    """Poll until predicate() is truthy; every poll ends its database transaction so writers never wait on us."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        finally:
            db.session.remove()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def body_text(message, subtype: str = "plain") -> str:
    """The decoded text of an email's plain (or ``"html"``) body."""
    return message.get_body((subtype,)).get_content()


class Inbox:
    """An aiosmtpd handler that keeps accepted messages; ``script`` answers successive DATA commands
    (an SMTP reply such as "421 …", BLOCK to hang until released, or None to accept)."""

    def __init__(self, script=()):
        self.script = list(script)
        self.delivered: list = []
        self.data_commands = 0
        self.blocked = threading.Event()
        self.unblock = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.data_commands += 1
        action = self.script.pop(0) if self.script else None
        if action == BLOCK:
            self.blocked.set()
            while not self.unblock.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Gave up waiting"
        if action:
            return action
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        self.delivered.append(
            {"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "message": message, "raw": raw}
        )
        return "250 OK"

    def texts(self) -> list[str]:
        """The plain text of every accepted email, in the order they arrived."""
        return [body_text(mail["message"]) for mail in self.delivered]


class SMTPServer:
    """A real SMTP server on a free port of 127.0.0.1."""

    def __init__(self, inbox: Inbox):
        self.inbox = inbox
        self.port = free_port()
        self.controller = Controller(inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.inbox.unblock.set()
        self.controller.stop()


class PrivateRedis:
    """A redis-server of our own (so it can be stopped and started), keeping nothing on disk."""

    def __init__(self):
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def stop_group(process: subprocess.Popen) -> None:
    """End a process started in its own group, and everything it started: politely, then for good."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def queue_name() -> str:
    """A queue (and key prefix) of our own on a shared Redis."""
    return f"portal-test-{secrets.token_hex(6)}"


def forget_queue(redis_url: str, queue: str) -> None:
    """Delete the keys of our queue, its jobs and registries; nobody else's."""
    try:
        client = Redis.from_url(redis_url, socket_connect_timeout=1)
        for pattern in (f"rq:*{queue}*",):
            keys = list(client.scan_iter(match=pattern, count=500))
            if keys:
                client.delete(*keys)
    except Exception:
        pass


def worker_env(app, **overrides) -> dict:
    """The environment of a worker process that shares the test app's database, queue, mail server and secrets."""
    config = app.config
    env = {
        **os.environ,
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": config["REDIS_URL"] or "",
        "RQ_QUEUE": config["RQ_QUEUE"],
        "SECRET_KEY": config["SECRET_KEY"],
        "LINK_SECRET": config["LINK_SECRET"],
        "PUBLIC_URL": config["PUBLIC_URL"],
        "MAIL_SERVER": config["MAIL_SERVER"] or "",
        "MAIL_PORT": str(config["MAIL_PORT"]),
        "MAIL_DEFAULT_SENDER": config["MAIL_DEFAULT_SENDER"],
        "MAIL_TIMEOUT": "30",
        "STORAGE_DIR": config["STORAGE_DIR"],
        "EMAIL_SWEEP_SECONDS": "1",
        "EMAIL_RETRY_BASE_SECONDS": "1",
        "EMAIL_STUCK_SECONDS": "600",
        "FLASK_ENV": "development",
        "PYTHONUNBUFFERED": "1",
    }
    env.update({key: str(value) for key, value in overrides.items()})
    return env


class Worker:
    """A `flask --app wsgi worker` process (an RQ worker with the outbox sweeper), or with ``plain_rq`` the
    stock `rq worker` command (jobs only, building the app from the environment)."""

    def __init__(self, env: dict, log_path: Path, burst: bool = False, plain_rq: bool = False):
        if plain_rq:
            rq = str(Path(sys.executable).with_name("rq"))
            command = [rq, "worker", "--url", env["REDIS_URL"], env["RQ_QUEUE"]]
        else:
            command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]
        command += ["--burst"] if burst else []
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.process = spawn(command, env, self.log)

    def kill(self) -> None:
        """SIGKILL, as when a dyno dies: no clean-up of any kind."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")
