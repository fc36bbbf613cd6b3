"""The big-file benchmark's clients: a person's browser session, Uppy's upload protocol, downloads, page latency."""

from __future__ import annotations

import http.client
import re
import statistics
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path

import urllib3

CHUNK = 1024 * 1024


class Session:
    """Cookies and the CSRF token of one person, over a pooled HTTP client."""

    def __init__(self, base: str):
        self.base, self.cookies, self.csrf = base, {}, ""
        self.http = urllib3.PoolManager(maxsize=16, retries=False, timeout=urllib3.Timeout(connect=5, read=600))

    def request(self, method: str, path: str, **kwargs) -> urllib3.BaseHTTPResponse:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **kwargs.pop("headers", {})}
        if method != "GET":
            headers["X-CSRFToken"] = self.csrf
        url = path if path.startswith("http") else self.base + path
        response = self.http.request(method, url, headers=headers, redirect=False, **kwargs)
        for value in response.headers.getlist("Set-Cookie"):
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        return response

    def form(self, path: str, fields: dict) -> urllib3.BaseHTTPResponse:
        """GET a page, then POST its form with its CSRF token."""
        page = self.request("GET", path).data.decode()
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({**fields, "csrf_token": token})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.request("POST", path, body=body, headers=headers)

    def pick_up_csrf(self, path: str) -> None:
        """Read the token htmx sends (on <body hx-headers>) from a page."""
        page = self.request("GET", path).data.decode()
        self.csrf = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


def operator(base: str, world: dict) -> Session:
    """The operator, signed in with the login form, holding the project page's CSRF token."""
    session = Session(base)
    answer = session.form("/login", {"email": world["email"], "password": world["password"]})
    assert answer.status in (302, 303), answer.status
    session.pick_up_csrf(f"/app/projects/{world['project_id']}")
    return session


def client(base: str, world: dict) -> Session:
    """The client, in the portal through their link."""
    session = Session(base)
    session.form(f"/p/{world['token']}", {})
    assert "session" in session.cookies
    return session


class Interrupted(Exception):
    """The connection was cut on purpose (the bench's dropped network)."""


def _put(url: str, path: Path, offset: int, length: int, cut: threading.Event) -> str:
    """PUT one part's bytes from the file in 1 MB writes; a set ``cut`` drops the connection midway."""
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=600)
    try:
        connection.putrequest(
            "PUT", parsed.path + ("?" + parsed.query if parsed.query else ""), skip_accept_encoding=True
        )
        connection.putheader("Content-Length", str(length))
        connection.endheaders()
        with open(path, "rb") as source:
            source.seek(offset)
            left = length
            while left:
                if cut.is_set():
                    raise Interrupted
                chunk = source.read(min(CHUNK, left))
                connection.send(chunk)
                left -= len(chunk)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"part PUT answered {response.status}")
        return response.getheader("ETag")
    finally:
        connection.close()


class Upload:
    """One file sent as Uppy's AwsS3 plugin does: create, sign each part, PUT (4 at once), list, complete."""

    def __init__(self, session: Session, world: dict, path: Path, name: str, deliverable_id: int, parallel: int = 4):
        self.session, self.world, self.path, self.parallel = session, world, path, parallel
        self.size = path.stat().st_size
        body = {"filename": name, "size": self.size, "deliverable_id": deliverable_id, "client_visible": True}
        answer = session.request("POST", f"/app/projects/{world['project_id']}/uploads", json=body)
        assert answer.status == 201, answer.data
        self.id, self.part_size = answer.json()["uploadId"], answer.json()["partSize"]
        self.count = -(-self.size // self.part_size)
        self.sent: dict[int, int] = {}  # part number → times its bytes started going out
        self.cut = threading.Event()

    def _send(self, number: int) -> tuple[int, str]:
        if self.cut.is_set():
            raise Interrupted
        signed = self.session.request("GET", f"/app/uploads/{self.id}/parts/{number}")
        url = signed.json()["url"]
        url = url if url.startswith("http") else self.session.base + url
        self.sent[number] = self.sent.get(number, 0) + 1
        offset = (number - 1) * self.part_size
        return number, _put(url, self.path, offset, min(self.part_size, self.size - offset), self.cut)

    def send(self, stop_after: int | None = None) -> dict[int, str]:
        """Send the parts storage lacks; with ``stop_after``, cut every connection once that many are stored."""
        stored = {
            p["PartNumber"]: p["ETag"] for p in self.session.request("GET", f"/app/uploads/{self.id}/parts").json()
        }
        self.cut.clear()
        with ThreadPoolExecutor(self.parallel) as pool:
            futures = [pool.submit(self._send, n) for n in range(1, self.count + 1) if n not in stored]
            for future in futures:
                try:
                    number, etag = future.result()
                except Interrupted:
                    continue
                stored[number] = etag
                if stop_after is not None and len(stored) >= stop_after:
                    self.cut.set()
        return stored

    def complete(self, etags: dict[int, str]) -> dict:
        """Complete with every part; the JSON answer."""
        parts = [{"PartNumber": n, "ETag": etags[n]} for n in range(1, self.count + 1)]
        answer = self.session.request("POST", f"/app/uploads/{self.id}/complete", json={"parts": parts})
        assert answer.status == 200, answer.data
        return answer.json()

    def wait_ready(self, timeout: float = 1800) -> int:
        """Poll the upload until the worker has checked it; the file id."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.session.request("GET", f"/app/uploads/{self.id}", headers={"Accept": "application/json"})
            data = state.json() if state.status == 200 else {}
            if data.get("status") == "ready":
                return data["fileId"]
            if data.get("status") == "failed":
                raise RuntimeError(f"upload failed: {data.get('error')}")
            time.sleep(1)
        raise RuntimeError("upload not ready in time")


def download(session: Session, path: str, rate: int | None = None, stop: threading.Event | None = None) -> int:
    """GET a download (a redirect to storage is followed without the app's cookies), at most ``rate`` bytes/s,
    until done or ``stop`` is set; bytes received."""
    answer = session.request("GET", path, preload_content=False)
    if answer.status in (302, 303, 307):
        answer.drain_conn()  # read the redirect's little body, or the pooled connection would hand it on
        answer.release_conn()
        answer = session.http.request("GET", answer.headers["Location"], preload_content=False, redirect=False)
    assert answer.status == 200, answer.status
    total, started = 0, time.monotonic()
    for chunk in answer.stream(CHUNK):
        total += len(chunk)
        if stop is not None and stop.is_set():
            answer.close()  # the person cancelled: drop the connection rather than read the rest
            return total
        if rate:
            ahead = total / rate - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
    answer.release_conn()
    return total


def latency(session: Session, path: str, seconds: float) -> dict:
    """Request a page one after another for ``seconds``; p50 and p99 in ms."""
    times, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        answer = session.request("GET", path)
        assert answer.status == 200, answer.status
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"n": len(times), "p50": statistics.median(times), "p99": times[min(len(times) - 1, int(len(times) * 0.99))]}
