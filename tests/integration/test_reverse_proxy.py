"""Behind a real reverse proxy: nginx (the platform router's role) in front of gunicorn, X-Forwarded-* set by nginx.

Clients connect from different loopback addresses (127.0.0.x), so nginx sees each one's own address, as a router
sees each browser's; a client can add its own X-Forwarded-For, and nginx appends the address it saw.
"""

from __future__ import annotations

import functools
import http.client
import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from portal.extensions import db
from portal.models import Activity, Deliverable
from tests.factories import (
    PASSWORD,
    make_client,
    make_deliverable,
    make_file_row,
    make_link,
    make_org,
    make_project,
    make_user,
)
from tests.integration.mail_stack import (
    GUNICORN,
    Inbox,
    SMTPServer,
    free_port,
    require_program,
    spawn,
    stop_group,
    wait_healthy,
)

PUBLIC_URL = "https://portal.proxy-test.example"
NGINX_CONF = """
worker_processes 1;
{user}
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 64; }}
http {{
  access_log {root}/access.log;
  client_body_temp_path {root}/body;
  proxy_temp_path {root}/proxy;
  fastcgi_temp_path {root}/fastcgi;
  uwsgi_temp_path {root}/uwsgi;
  scgi_temp_path {root}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://127.0.0.1:{upstream};
      proxy_set_header Host $http_host;
      # What a TLS-terminating router sends: the client's chain plus the address it saw, the original scheme.
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto https;
      proxy_set_header X-Forwarded-Host $host;
    }}
  }}
}}
"""


def _nginx() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)


class Browser:
    """A cookie-keeping HTTP client connecting from one loopback address, optionally sending its own
    X-Forwarded-For (a forgery nginx must append to)."""

    def __init__(self, base: str, source_ip: str, forged_for: str | None = None):
        self.base = base
        connection = functools.partial(http.client.HTTPConnection, source_address=(source_ip, 0))

        class FromAddress(urllib.request.HTTPHandler):
            def http_open(self, req):
                return self.do_open(connection, req)

        self.opener = urllib.request.build_opener(
            FromAddress(), urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.headers = {"X-Forwarded-For": forged_for} if forged_for else {}

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers=self.headers)
        try:
            with self.opener.open(request, timeout=15) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def get(self, path: str) -> tuple[int, str]:
        return self.request(path)

    def post(self, path: str, data: dict, page: str) -> tuple[int, str]:
        """POST a form with the CSRF token of the page it is on (the token every page carries for htmx)."""
        token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
        return self.request(path, {**data, "csrf_token": token})


def _gunicorn(database_url: str, root: Path, port: int, **env) -> subprocess.Popen:
    environment = {
        **os.environ,
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
        "FLASK_ENV": "development",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "reverse-proxy-test-secret",
        "STORAGE_DIR": str(root / "storage"),
        "WEB_CONCURRENCY": "1",
        "BIND_HOST": "127.0.0.1",
        "PORT": str(port),
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "PORTAL_ENTRY_RATE_LIMIT": "3 per minute",
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    for name in ("REDIS_URL", "PUBLIC_URL", "TRUSTED_PROXIES", "MAIL_SERVER"):
        if name not in env:
            environment.pop(name, None)
    log = open(root / f"gunicorn-{port}.log", "wb")  # noqa: SIM115 (kept open for the process's life)
    process = spawn(GUNICORN, environment, log)
    process.log_path = root / f"gunicorn-{port}.log"
    return process


@pytest.fixture(scope="module")
def inbox():
    """A real SMTP server the app behind the proxy sends its (inline) emails to."""
    box = Inbox()
    with SMTPServer(box) as server:
        box.port = server.port
        yield box


@pytest.fixture(scope="module")
def proxied(app, database_url, tmp_path_factory, inbox):
    """gunicorn with TRUSTED_PROXIES=1 and PUBLIC_URL, behind nginx on another free port; yields nginx's URL."""
    nginx = require_program(_nginx(), "nginx is missing (apt-get install -y nginx)")
    root = tmp_path_factory.mktemp("proxy")
    upstream, port = free_port(), free_port()
    web = _gunicorn(
        database_url,
        root,
        upstream,
        TRUSTED_PROXIES="1",
        PUBLIC_URL=PUBLIC_URL,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(inbox.port),
        MAIL_DEFAULT_SENDER="portal@proxy-test.example",
    )
    conf = root / "nginx.conf"
    user = "user root root;" if os.geteuid() == 0 else ""
    conf.write_text(NGINX_CONF.format(root=root, port=port, upstream=upstream, user=user))
    proxy = subprocess.Popen(
        [nginx, "-c", str(conf), "-p", str(root), "-e", str(root / "error.log"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=open(root / "nginx.out", "wb"),  # noqa: SIM115
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(f"http://127.0.0.1:{upstream}", web, web.log_path)
        wait_healthy(base, proxy, root / "nginx.out")
        yield base
    finally:
        stop_group(proxy)
        stop_group(web)


def _world(slug: str, code: str | None = None):
    org = make_org(f"Proxy {slug}", slug=slug)
    operator = make_user(org, email=f"owner@{slug}.example")
    customer = make_client(org, email=f"client@{slug}.example", name="Robin Client")
    project = make_project(org, customer, name="Pier inspection", status="delivered")
    deliverable = make_deliverable(project, title="Pier stills", client_visible=True, status="ready", version=1)
    # A deliverable is decided with at least one visible file; the receipt hashes it (the bytes are never read).
    make_file_row(project, "pier.png", deliverable, size=4, storage_key=f"org/{org.id}/pier.png")
    _link, token = make_link(org, customer, project, code=code, name="Robin Client")
    return {
        "org": org.id,
        "slug": slug,
        "operator": operator.email,
        "project": project.id,
        "deliverable": deliverable.id,
        "token": token,
        "client_email": customer.email,
    }


def test_per_ip_limits_count_each_real_client_behind_the_proxy(app, proxied):
    with app.app_context():
        world = _world("limits")
    entry = f"/p/{world['token']}"
    first = Browser(proxied, "127.0.0.2")
    assert [first.get(entry)[0] for _ in range(3)] == [200, 200, 200]
    assert first.get(entry)[0] == 429
    # Another client behind the same proxy keeps its own allowance.
    assert Browser(proxied, "127.0.0.3").get(entry)[0] == 200
    # The limited client cannot claim to be someone else: nginx appends the address it saw, and only that is believed.
    assert Browser(proxied, "127.0.0.2", forged_for="203.0.113.77").get(entry)[0] == 429


def test_receipts_and_activity_record_the_real_client(app, proxied):
    with app.app_context():
        world = _world("receipts")
    browser = Browser(proxied, "127.0.0.4", forged_for="198.51.100.7")
    status, page = browser.get(f"/p/{world['token']}")
    assert status == 200
    status, overview = browser.post(f"/p/{world['token']}", {}, page)
    assert status == 200, overview
    project_path = f"/portal/{world['slug']}/projects/{world['project']}"
    status, project_page = browser.get(project_path)
    assert status == 200
    status, receipt_page = browser.post(
        f"/portal/{world['slug']}/deliverables/{world['deliverable']}/decide",
        {"decision": "approved", "version": "1", "reason": ""},
        project_page,
    )
    assert status == 200
    assert "From 127.0.0.4." in receipt_page
    with app.app_context():
        deliverable = db.session.get(Deliverable, world["deliverable"])
        assert deliverable.approval_status == "approved" and deliverable.decision_ip == "127.0.0.4"
        addresses = db.session.execute(
            db.select(Activity.verb, Activity.ip).where(Activity.org_id == world["org"], Activity.ip.is_not(None))
        ).all()
    assert {verb for verb, _ip in addresses} >= {"link.entered"}
    assert {ip for _verb, ip in addresses} == {"127.0.0.4"}


def test_copied_links_and_emails_are_https_from_public_url(app, proxied, inbox):
    with app.app_context():
        world = _world("links")
    operator = Browser(proxied, "127.0.0.5")
    status, login_page = operator.get("/login")
    status, _home = operator.post("/login", {"email": world["operator"], "password": PASSWORD}, login_page)
    assert status == 200
    status, project_page = operator.get(f"/app/projects/{world['project']}")
    assert status == 200
    # Every "Copy link" on the page is under PUBLIC_URL, not the host and scheme nginx was reached on.
    copied = re.findall(r'value="(\S+/p/[A-Za-z0-9_-]{20,})"', project_page)
    assert copied and all(url.startswith(f"{PUBLIC_URL}/p/") for url in copied), copied
    before = len(inbox.delivered)
    status, page = operator.post(
        f"/app/projects/{world['project']}/links",
        {"email": world["client_email"], "code_mode": "none", "send_invitation": "y"},
        project_page,
    )
    assert status == 200
    revealed = re.search(r'id="revealed-url" value="([^"]+)"', page).group(1)
    assert revealed.startswith(f"{PUBLIC_URL}/p/")
    deadline = time.monotonic() + 15
    while len(inbox.delivered) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    invitation = inbox.texts()[-1]
    assert revealed in invitation
    assert "http://" not in invitation.replace("http://127.0.0.1", "")  # no clear-text link to the portal


def test_without_trusted_proxies_a_forged_forwarded_for_is_ignored(app, database_url, tmp_path):
    with app.app_context():
        world = _world("direct")
    port = free_port()
    web = _gunicorn(database_url, tmp_path, port)  # TRUSTED_PROXIES unset: clients reach gunicorn directly
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, web, web.log_path)
        entry = f"/p/{world['token']}"
        statuses = [Browser(base, "127.0.0.6", forged_for=f"203.0.113.{n}").get(entry)[0] for n in range(4)]
        assert statuses == [200, 200, 200, 429]  # a new forged address per request does not escape the limit
        browser = Browser(base, "127.0.0.7", forged_for="198.51.100.7")
        _status, page = browser.get(entry)
        assert browser.post(entry, {}, page)[0] == 200
    finally:
        stop_group(web)
    with app.app_context():
        ips = set(db.session.execute(db.select(Activity.ip).where(Activity.verb == "link.entered")).scalars())
    assert ips == {"127.0.0.7"}
