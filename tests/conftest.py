"""Shared fixtures: an app on SQLite (default) or a throwaway PostgreSQL database.

Set ``PORTAL_TEST_DATABASE=postgresql`` to run the suite on the PostgreSQL server at
``TEST_POSTGRES_URL`` (default: the local server); each run creates and drops its own database.
"""

from __future__ import annotations

import os
import secrets
import threading
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from portal import create_app
from portal.extensions import db

HX = {"HX-Request": "true"}
ADMIN_PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def using_postgres() -> bool:
    """Whether this run targets PostgreSQL."""
    return os.environ.get("PORTAL_TEST_DATABASE", "sqlite") == "postgresql"


@contextmanager
def fresh_database(directory, postgres: bool | None = None):
    """Yield the URL of a new, empty database of the kind this run targets (or asked for); drop it afterwards."""
    if not (using_postgres() if postgres is None else postgres):
        yield f"sqlite:///{directory / f'{secrets.token_hex(4)}.sqlite3'}"
        return
    name = f"portal_test_{secrets.token_hex(6)}"
    admin = create_engine(ADMIN_PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield ADMIN_PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A fresh, empty database for this test run."""
    with fresh_database(tmp_path_factory.mktemp("db")) as url:
        yield url


class IsolatedClient(FlaskClient):
    """A test client that serves each request the way a real server does, whatever context the test holds.

    The request runs on a thread of its own, so it sees none of the test's application context (no shared
    ``g``, database session or loaded objects), and its body is read to the end only after the request's
    contexts have been torn down, as gunicorn reads a streamed response. A response that needs objects the
    request's session no longer holds fails here as it fails on a server.
    """

    def run_wsgi_app(self, environ, buffered=False):
        """Run the app on a fresh thread and read the whole body after the request has ended."""
        outcome: dict = {}

        def serve():
            try:
                outcome["response"] = super(IsolatedClient, self).run_wsgi_app(environ, buffered=True)
            except BaseException as error:  # re-raised in the test's thread
                outcome["error"] = error

        worker = threading.Thread(target=serve, name="test-request")
        worker.start()
        worker.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["response"]


def make_test_app(database_url: str, storage_dir, **overrides):
    """Build an app configured for tests."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": None,
        "STORAGE_BACKEND": "local",
        "STORAGE_DIR": str(storage_dir),
        "MAIL_SUPPRESS_SEND": True,
        "HTMX_USE_CDN": False,
        "SERVER_NAME": "portal.test",
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    """The app, with the schema created once for the session."""
    app = make_test_app(database_url, tmp_path_factory.mktemp("storage"))
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Empty every table after each test that used the app, so no test sees another's rows."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def ctx(app):
    """An application context for calling services and factories directly."""
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    """A test client (an anonymous browser)."""
    return app.test_client()


def login(test_client, user, org=None):
    """Sign a user in on this test client without a password round-trip (with a server-side session row)."""
    from portal.services import sessions

    with test_client.application.app_context():
        session_id = sessions.start(user.id)
        db.session.commit()
    with test_client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
        session[sessions.SESSION_KEY] = session_id
        if org is not None:
            session["org_id"] = org.id
    return test_client


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each test starts with empty per-IP counters: the limiter is shared by every app a run builds, and one built
    with limits on leaves them on for the session's app."""
    yield
    from limits.storage import MemoryStorage

    from portal.extensions import limiter

    if isinstance(getattr(limiter, "_storage", None), MemoryStorage):  # Redis-backed runs keep their own keys
        limiter.reset()
