"""Browser fixtures: Debian's Chromium through Playwright, against the app served on a free local port.

One browser and one live server per session. Tests never share rows: each builds its own organization(s)
with unique slugs and emails in the live server's database, so no truncation is needed while it serves.
"""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from portal import create_app
from portal.extensions import db
from tests.conftest import fresh_database
from tests.integration.mail_stack import (
    SHARED_REDIS,
    Inbox,
    SMTPServer,
    Worker,
    forget_queue,
    queue_name,
    worker_env,
)

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
# Polls run every 4-5 s; one missed beat must not fail a test.
LIVE_TIMEOUT_MS = 15_000
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def pytest_collection_modifyitems(config, items):
    """Mark every test under tests/browser, so ``-m 'not browser'`` leaves them out."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


def live_config(database_url: str, storage_dir: Path, services: dict) -> dict:
    """The config of the served app, built in this one place; ``services`` adds REDIS_URL, MAIL_* and the like."""
    return {
        "SECRET_KEY": "browser-test-secret",
        # Explicit, so a worker process given the same settings derives the same portal links.
        "LINK_SECRET": "browser-test-link-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        # CSRF stays on: the browser must carry the token like a real one.
        "WTF_CSRF_ENABLED": True,
        # Limits stay on but wide: every request of the suite comes from 127.0.0.1.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "PORTAL_CODE_RATE_LIMIT": "1000 per minute",
        "PORTAL_ENTRY_RATE_LIMIT": "1000 per minute",
        "PORTAL_POST_RATE_LIMIT": "1000 per minute",
        "REDIS_URL": None,
        "RQ_QUEUE": "portal",
        "STORAGE_BACKEND": "local",
        "STORAGE_DIR": str(storage_dir),
        "MAIL_SUPPRESS_SEND": True,
        "HTMX_USE_CDN": False,
        **services,
    }


@pytest.fixture(scope="session")
def smtp_inbox():
    """A real SMTP server (aiosmtpd) on a free port; its inbox keeps every message the worker delivers."""
    with SMTPServer(Inbox()) as smtp:
        yield smtp


@pytest.fixture(scope="session")
def live_services(smtp_inbox):
    """Settings of the services behind the live server: Redis (a queue of this run's own) and the SMTP server.

    Emails go out at once (no batching delay) so a journey can read them; the worker delivers them.
    """
    queue = queue_name()
    yield {
        "REDIS_URL": SHARED_REDIS,
        "RQ_QUEUE": queue,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_inbox.port,
        "MAIL_SUPPRESS_SEND": False,
        "MAIL_DEFAULT_SENDER": "portal@example.com",
        "EMAIL_BATCH_SECONDS": 0,
    }
    forget_queue(SHARED_REDIS, queue)


class QuietRequestHandler(WSGIRequestHandler):
    """Serve without a log line per request (they would bury a failure's story); errors are still logged."""

    def log_request(self, code="-", size="-"):
        """Say nothing about requests that went well."""


@dataclass
class LiveServer:
    """The app served over HTTP for the browser."""

    app: object
    url: str

    def __call__(self, path: str = "/") -> str:
        """An absolute URL on the live server."""
        return self.url + path

    def context(self):
        """An app context for seeding the live server's database from the test thread."""
        return self.app.app_context()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, live_services):
    """The app on a free port of 127.0.0.1, in a thread, with its own fresh database."""
    with fresh_database(tmp_path_factory.mktemp("live-db")) as database_url:
        app = create_app(live_config(database_url, tmp_path_factory.mktemp("live-storage"), live_services))
        with app.app_context():
            db.create_all()
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
        base = f"http://127.0.0.1:{server.server_port}"
        app.config["PUBLIC_URL"] = base
        thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
        thread.start()
        # The worker needs the public URL for the links in its emails, so it starts once the port is known.
        worker = Worker(worker_env(app, EMAIL_BATCH_SECONDS=0), tmp_path_factory.mktemp("worker") / "worker.log")
        try:
            yield LiveServer(app, base)
        finally:
            worker.stop()
            server.shutdown()
            thread.join(10)
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium: Playwright's own browser builds cannot be downloaded here."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing: apt-get install -y chromium"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Desktop size, a fixed locale and time zone, so dates read the same on every machine."""
    return {**browser_context_args, "viewport": DESKTOP, "locale": "en-GB", "timezone_id": "Europe/Berlin"}


@pytest.fixture
def new_page(browser, browser_context_args):
    """Open a page in a fresh context (its own cookies): another person, device or window."""
    contexts = []

    def open_page(**overrides):
        context = browser.new_context(**{**browser_context_args, **overrides})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot(tmp_path):
    """Save a small PNG of the page: into docs/screenshots with UPDATE_SCREENSHOTS=1, else a temp folder."""
    target = SCREENSHOT_DIR if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    target.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> Path:
        from PIL import Image

        path = target / f"{name}.png"
        page.screenshot(path=str(path))
        # A 256-colour palette keeps the committed pictures small.
        with Image.open(path) as image:
            image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
        return path

    return save
