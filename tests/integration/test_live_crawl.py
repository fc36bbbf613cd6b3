"""The seeded demo on gunicorn and PostgreSQL, crawled as every demo operator and through every demo portal link:
every same-origin URL a page shows answers, every body arrives whole, and every page and email is valid HTML."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import ADMIN_PG_URL, fresh_database, make_test_app, using_postgres
from tests.integration import vnu
from tests.integration.live_crawl import Crawler, Fetched, Http, Visit, parse, zip_problem
from tests.integration.mail_stack import GUNICORN, ROOT, free_port, spawn, wait_healthy

# Seeding the demo (its previews made inline), serving it and crawling every page takes minutes on a busy machine.
pytestmark = pytest.mark.timeout(600)

# Not shown by any page: visited on purpose, so the validator also sees the error pages of both sides.
NOT_FOUND = {"/p/not-a-real-link", "/app/projects/0", "/portal/no-such-organization/"}


def _postgres_available() -> bool:
    try:
        engine = create_engine(ADMIN_PG_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@dataclass
class LiveDemo:
    """The running server and what seed-demo printed."""

    base: str
    database_url: str
    storage: Path
    log: Path
    operators: list[tuple[str, str]]
    portals: list[tuple[str, str, str | None]]


def _env(database_url: str, storage: Path, port: int) -> dict:
    bin_dir = str(Path(sys.executable).parent)
    return {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "live-crawl-secret",
        "STORAGE_DIR": str(storage),
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "BIND_HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "PORTAL_CODE_RATE_LIMIT": "1000 per minute",
        "PORTAL_ENTRY_RATE_LIMIT": "10000 per minute",
        "REDIS_URL": "",
        "MAIL_SERVER": "",
        "PYTHONUNBUFFERED": "1",
    }


def _seed_lines(output: str) -> tuple[list, list]:
    operators, portals = [], []
    for line in output.splitlines():
        words = line.split()
        if words and words[0] == "operator:":
            operators.append((words[1], words[2]))
        elif words and words[0] == "portal:":
            portals.append((words[1], urlsplit(words[2]).path, words[4] if len(words) > 4 else None))
    return operators, portals


@pytest.fixture(scope="module")
def live_demo(tmp_path_factory):
    """`flask db upgrade` and `flask seed-demo` on a fresh PostgreSQL database, served by gunicorn."""
    if not _postgres_available():
        if using_postgres():
            pytest.fail("PostgreSQL is not reachable at TEST_POSTGRES_URL")
        pytest.skip("the live crawl needs PostgreSQL")
    root = tmp_path_factory.mktemp("live")
    port = free_port()
    with fresh_database(root, postgres=True) as database_url:
        env = _env(database_url, root / "storage", port)
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        seeded = subprocess.run([*flask, "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
        log = root / "gunicorn.log"
        with log.open("w") as out:
            server = spawn(GUNICORN, env, out)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, server, log)
            yield LiveDemo(base, database_url, root / "storage", log, *_seed_lines(seeded.stdout))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def _form_with(page: Fetched, field: str):
    return next(form for form in parse(page.text).forms if field in form.names() and form.method == "post")


def _operator(demo: LiveDemo, email: str, password: str) -> Crawler:
    http = Http(demo.base)
    crawler = Crawler(demo.base, f"operator {email}", http)
    login = http.request("GET", "/login")
    crawler.record(login, False, "")
    form = _form_with(login, "password")
    answer = http.request("POST", form.action or "/login", data=form.filled(email=email, password=password))
    assert answer.status == 303, f"{email} could not log in ({answer.status})"
    crawler.add("/app/projects/0", False, "")
    crawler.crawl(answer)
    return crawler


def _client(demo: LiveDemo, email: str, path: str, code: str | None) -> Crawler:
    http = Http(demo.base)
    crawler = Crawler(demo.base, f"portal {email} {path[:12]}…", http)
    entry = http.request("GET", path)
    crawler.record(entry, False, "")
    form = _form_with(entry, "csrf_token")
    answer = http.request("POST", form.action or path, data=form.filled(**({"code": code} if code else {})))
    assert answer.status == 303, f"the portal link of {email} did not open ({answer.status})"
    crawler.crawl(answer)
    return crawler


def _anonymous(demo: LiveDemo) -> Crawler:
    http = Http(demo.base)
    crawler = Crawler(demo.base, "anonymous", http)
    for path in ("/", "/login", *NOT_FOUND):
        crawler.add(path, False, "")
    crawler.walk()
    return crawler


@pytest.fixture(scope="module")
def crawl(live_demo) -> list[Visit]:
    """Every response of every identity's crawl."""
    crawlers = [_anonymous(live_demo)]
    crawlers += [_operator(live_demo, email, password) for email, password in live_demo.operators]
    crawlers += [_client(live_demo, email, path, code) for email, path, code in live_demo.portals]
    return [visit for crawler in crawlers for visit in crawler.visits]


def _failure(visit: Visit) -> str | None:
    fetched = visit.fetched
    if fetched.status >= 500:
        return f"answered {fetched.status}"
    if fetched.status >= 400 and fetched.method == "GET" and fetched.url not in NOT_FOUND:
        return f"dead link: {fetched.status}"
    if fetched.problem:
        return fetched.problem
    content_type = fetched.headers.get("Content-Type", "")
    if fetched.status == 200 and content_type.startswith("application/zip"):
        return zip_problem(fetched)
    if fetched.status == 200 and content_type.startswith("application/pdf") and not fetched.body.startswith(b"%PDF"):
        return "a PDF that is not one"
    if fetched.status == 200 and content_type.startswith("text/csv") and not fetched.body.startswith(b"\xef\xbb\xbf"):
        return "a CSV without its byte-order mark"
    return None


def test_every_link_of_every_page_answers_and_every_body_arrives_whole(crawl, live_demo):
    failures = [
        f"{v.identity}: {v.fetched.method} {v.fetched.url}{' (htmx)' if v.hx else ''} shown on {v.referrer or '-'}: {p}"
        for v in crawl
        if (p := _failure(v))
    ]
    assert not failures, "\n".join(failures)
    log = live_demo.log.read_text()
    assert "Traceback" not in log and "[ERROR]" not in log, log
    identities = {visit.identity for visit in crawl}
    assert len(identities) == 1 + len(live_demo.operators) + len(live_demo.portals)
    downloads = [v for v in crawl if v.fetched.headers.get("Content-Type", "").startswith("application/zip")]
    assert downloads, "the crawl found no deliverable ZIP"
    exported = {v.fetched.url.split("?")[0] for v in crawl if v.fetched.url.endswith(".zip") or ".csv" in v.fetched.url}
    assert any(url.endswith("/export.zip") for url in exported), "the crawl found no project record export"
    assert {"/app/projects/export.csv", "/app/invoices/export.csv"} <= exported, exported


def _document(visit: Visit) -> str:
    """A page as saved for the validator: fragments go into a minimal valid document."""
    html = visit.fetched.text
    if "<html" in html[:500].lower():
        return html
    head = '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Fragment</title></head>'
    return f"{head}<body>{html}</body></html>"


def test_every_page_and_email_is_valid_html(crawl, live_demo, tmp_path):
    jar = vnu.jar()
    pages: dict[str, str] = {}
    for visit in crawl:
        if visit.fetched.html and visit.fetched.body:
            document = _document(visit)
            name = hashlib.sha256(document.encode()).hexdigest()[:16] + ".html"
            if name not in pages:
                (tmp_path / name).write_text(document)
                pages[name] = f"{visit.identity}: {visit.fetched.url}{' (htmx)' if visit.hx else ''}"
    for kind, html in _rendered_emails(live_demo).items():
        name = f"email-{kind}.html"
        (tmp_path / name).write_text(html)
        pages[name] = f"the {kind} email"
    errors = vnu.errors(jar, [tmp_path / name for name in pages])
    report = [f"{pages[Path(path).name]}: {message}" for path, message in errors]
    assert not report, f"{len(report)} validation errors:\n" + "\n".join(report)


def _rendered_emails(demo: LiveDemo) -> dict[str, str]:
    """The HTML part of one email of each kind, rendered from the crawled database."""
    from portal.extensions import db
    from tests.integration.email_samples import one_of_each_kind

    app = make_test_app(demo.database_url, demo.storage, SERVER_NAME=None, PUBLIC_URL=demo.base)
    with app.app_context(), app.test_request_context():
        rendered = one_of_each_kind()
        db.session.remove()
        db.engine.dispose()
    return rendered
