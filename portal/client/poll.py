"""The idle thread poll: one statement re-checks the session, its link and the project and reads the thread's
state; an unchanged thread is answered 304 before the app's request machinery runs."""

from __future__ import annotations

import os
import re
import threading
import time
from datetime import UTC, datetime
from functools import cache

from flask import Flask
from itsdangerous import BadSignature
from psycopg import Error as DriverError
from psycopg.rows import namedtuple_row
from sqlalchemy import bindparam, event
from werkzeug.http import parse_cookie
from werkzeug.wrappers import Response

from portal.client.session import SESSION_KEY, entry_is_alive, secret_hash
from portal.client.visibility import visible_ids_statement
from portal.extensions import db
from portal.models import ClientSession, Message, PortalLink, Project
from portal.services.messages import client_visible_message

THREAD_PATH = re.compile(r"/portal/([^/]+)/projects/([0-9]+)/thread")


@cache
def poll_statement():
    """The one query of a thread poll, built once, as plain columns: the session's row and link, the project's
    visibility, the thread's latest visible message and count."""
    project_id = bindparam("project_id")
    visible = db.select(Project.id).where(Project.id == project_id, Project.id.in_(visible_ids_statement())).exists()
    shown = db.and_(Message.project_id == project_id, client_visible_message())
    return (
        db.select(
            ClientSession.ended_at,
            ClientSession.created_at,
            ClientSession.email,
            ClientSession.code_version,
            PortalLink.client_email,
            PortalLink.revoked_at,
            PortalLink.expires_at,
            PortalLink.access_code_version,
            visible.label("visible"),
            db.select(db.func.max(Message.id)).where(shown).scalar_subquery().label("latest"),
            db.select(db.func.count(Message.id)).where(shown).scalar_subquery().label("total"),
        )
        .join(PortalLink, PortalLink.id == ClientSession.link_id)
        .where(
            ClientSession.id == bindparam("v_session"),
            ClientSession.secret_hash == bindparam("secret_hash"),
            ClientSession.org_id == bindparam("v_org"),
        )
    )


def poll_params(org_id: int, entry: dict, project_id: int) -> dict:
    """The bind parameters of poll_statement() for one cookie entry and project."""
    return {
        "v_session": entry.get("i"),
        "secret_hash": secret_hash(entry),
        "v_org": org_id,
        "v_email": entry.get("e"),
        "v_now": datetime.now(UTC),
        "project_id": project_id,
    }


def row_is_alive(entry: dict, row) -> bool:
    """Whether the poll's row shows a live session on its link (the rule of entry_is_alive)."""
    return entry_is_alive(
        entry,
        session=row,
        client_email=row.client_email,
        revoked_at=row.revoked_at,
        expires_at=row.expires_at,
        code_version=row.access_code_version,
    )


def thread_etag(project_id: int, row) -> str:
    """The thread's ETag: it changes when a message the client can see is added or removed."""
    return f'W/"t{project_id}-{row.latest or 0}-{row.total}"'


def _not_modified(etag: str) -> Response:
    """The bodiless answer to a poll whose thread is unchanged, as the app's own carries it."""
    response = Response(status=304)
    response.headers["ETag"] = etag
    response.vary.update(("HX-Request", "Cookie"))
    return response


class IdlePoll:
    """WSGI middleware answering an unchanged thread poll with 304 from one statement on an autocommit
    connection, without a request context, session interface, rate limiter or ORM session. Anything else --
    no cookie, a dead session, an invisible project, a changed thread -- goes on to the app, which answers it."""

    def __init__(self, app: Flask, wsgi_app, finish):
        self.app, self.wsgi_app, self.finish = app, wsgi_app, finish
        self.engine = None
        self.compiled: tuple[str, dict] | None = None
        self.headers: list | None = None
        # One autocommit connection of the process's own, outside the pool: a poll that finds it free skips the
        # pool's checkout, reset and return, and the autocommit switches (the poll is mostly that overhead).
        self.own: tuple[int, object] | None = None
        self.own_lock = threading.Lock()
        # Decoded session cookies by their exact signed value (a value decodes the same way until it expires).
        self.cookies: dict[str, tuple[dict, int]] = {}

    def __call__(self, environ, start_response):
        etag = self.answer(environ) if environ.get("REQUEST_METHOD") == "GET" else None
        if etag is None:
            return self.wsgi_app(environ, start_response)
        start_response("304 NOT MODIFIED", [("ETag", etag), *self.fixed_headers()])
        return []

    def fixed_headers(self) -> list:
        """The headers of every idle poll's 304 but its ETag, as the app's own 304 carries them."""
        if self.headers is None:
            response = self.finish(_not_modified(""), "/portal/")
            self.headers = [(name, value) for name, value in response.headers.items() if name != "ETag"]
        return self.headers

    def answer(self, environ) -> str | None:
        """The unchanged thread's ETag (answered 304), or None when the app must answer."""
        match = THREAD_PATH.fullmatch(environ.get("PATH_INFO", ""))
        wanted = environ.get("HTTP_IF_NONE_MATCH")
        cookie = environ.get("HTTP_COOKIE")
        if match is None or not wanted or not cookie:
            return None
        found = self.session_entry(cookie, match.group(1))
        if found is None:
            return None
        project_id = int(match.group(2))
        row = self.fetch(poll_params(*found, project_id))
        if row is None or not row.visible or not row_is_alive(found[1], row):
            return None
        etag = thread_etag(project_id, row)
        return etag if etag in wanted else None

    def fetch(self, params: dict):
        """The poll statement's row. On PostgreSQL the statement, compiled once, runs as a prepared statement in
        autocommit (no transaction round trips, none of the Core execution machinery), on the process's own
        connection when it is free, else on a pooled one. Elsewhere it runs through Core."""
        if self.engine is None:
            with self.app.app_context():
                self.engine = db.engine.execution_options(isolation_level="AUTOCOMMIT")
                event.listen(db.engine, "engine_disposed", lambda _engine: self.drop_own())
                # Flask-SQLAlchemy's query recording needs Core's execution context: it keeps the Core path.
                if self.engine.dialect.name == "postgresql" and not self.app.config.get("SQLALCHEMY_RECORD_QUERIES"):
                    compiled = poll_statement().compile(dialect=self.engine.dialect)
                    self.compiled = (str(compiled), compiled.params)
        if self.compiled is None:
            with self.engine.connect() as conn:
                return conn.execute(poll_statement(), params).one_or_none()
        sql, defaults = self.compiled
        params = {**defaults, **params}
        if self.own_lock.acquire(blocking=False):
            try:
                return self.run(self.own_connection(), sql, params)
            except DriverError:  # a dropped connection: forget it, and let the app answer this poll
                self.drop_own()
                return None
            finally:
                self.own_lock.release()
        pooled = self.engine.raw_connection()
        try:
            driver = pooled.driver_connection
            before, driver.autocommit = driver.autocommit, True
            try:
                return self.run(driver, sql, params)
            finally:
                driver.autocommit = before
        finally:
            pooled.close()

    def run(self, driver, sql: str, params: dict):
        """Execute the compiled poll statement, prepared, on an autocommit driver connection; cursor event
        listeners still see it (without a Core connection or context)."""
        with driver.cursor(row_factory=namedtuple_row) as cursor:
            events = self.engine.dispatch
            events.before_cursor_execute(None, cursor, sql, params, None, False)
            cursor.execute(sql, params, prepare=True)
            events.after_cursor_execute(None, cursor, sql, params, None, False)
            return cursor.fetchone()

    def own_connection(self):
        """The process's own autocommit driver connection, opened on first use in each process (a forked worker
        never shares its parent's)."""
        if self.own is None or self.own[0] != os.getpid():
            proxied = self.engine.raw_connection()
            driver = proxied.driver_connection
            proxied.detach()  # the pool forgets it: closing it is ours
            driver.autocommit = True
            self.own = (os.getpid(), driver)
        return self.own[1]

    def drop_own(self) -> None:
        """Close and forget the process's own connection; the next poll opens a new one."""
        own, self.own = self.own, None
        if own is not None and own[0] == os.getpid():
            try:
                own[1].close()
            except DriverError:
                pass

    def session_entry(self, cookie: str, slug: str) -> tuple[int, dict] | None:
        """The signed session cookie's entry for this organization, read as Flask's session interface would."""
        app = self.app
        value = parse_cookie(cookie).get(app.session_interface.get_cookie_name(app))
        if not value:
            return None
        max_age = int(app.permanent_session_lifetime.total_seconds())
        data, signed_at = self.cookies.get(value) or (None, 0)
        if data is None:
            serializer = app.session_interface.get_signing_serializer(app)
            if serializer is None:
                return None
            try:
                data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
            except BadSignature:  # bad or expired: the app answers (and ignores the cookie) as usual
                return None
            signed_at = int(signed_at.timestamp())
            if len(self.cookies) > 1000:
                self.cookies.clear()
            self.cookies[value] = (data, signed_at)
        elif time.time() - signed_at > max_age:
            return None
        sessions = data.get(SESSION_KEY) if isinstance(data, dict) else None
        if not isinstance(sessions, dict):
            return None
        for org_id, entry in sessions.items():
            if isinstance(entry, dict) and entry.get("g") == slug and str(org_id).isdigit():
                return int(org_id), entry
        return None


def install(app: Flask, finish) -> None:
    """Answer idle thread polls ahead of the app; ``finish(response, path)`` adds the headers every response
    carries."""
    app.wsgi_app = IdlePoll(app, app.wsgi_app, finish)
