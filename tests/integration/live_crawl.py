"""A crawler for a live server: a cookie-keeping HTTP client, links and forms read from each page, and a walk
of every same-origin URL the pages show, with every body read to its end."""

from __future__ import annotations

import http.client
import io
import re
import zipfile
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urljoin, urlsplit

# Attributes that hold a URL the browser fetches or the person follows.
URL_ATTRIBUTES = {
    ("a", "href"),
    ("area", "href"),
    ("link", "href"),
    ("script", "src"),
    ("img", "src"),
    ("source", "src"),
    ("video", "src"),
    ("video", "poster"),
    ("audio", "src"),
    ("iframe", "src"),
    ("embed", "src"),
    ("object", "data"),
}
# One form per page kind is submitted; these would end the crawl's session or destroy what it walks.
UNSAFE_ACTION = re.compile(
    r"log-?out|sign-?out|leave|revoke|delete|remove|void|cancel|decline|reject|rotate|reset|everywhere|password"
    r"|role|switch|status|archive|restore|decide|accept|send|retry|notify|uploads|verification|invit|visibility|paid"
    r"|/invoice$|login|signup|/read$|session|member|organization|code|email",
    re.IGNORECASE,
)
FILLERS = {"email": "crawl@example.com", "number": "1", "date": "2026-12-24", "url": "https://example.com"}


@dataclass
class Fetched:
    """One response, its body read to the end."""

    method: str
    url: str
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    problem: str | None = None

    @property
    def html(self) -> bool:
        return self.headers.get("Content-Type", "").startswith("text/html")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Http:
    """An HTTP/1.1 client with one cookie jar (one browser), speaking to one origin."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None, hx: bool = False) -> Fetched:
        """Send one request and read the whole body, noting a body shorter than its Content-Length."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if data is not None:
            body = urlencode(data, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if hx:
            headers["HX-Request"] = "true"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            problem = None
            try:
                content = response.read()
            except http.client.IncompleteRead as error:
                content, problem = error.partial, f"body ended after {len(error.partial)} bytes"
            self._keep_cookies(response.headers.get_all("Set-Cookie") or [])
        finally:
            connection.close()
        length = response.headers.get("Content-Length")
        if problem is None and length is not None and int(length) != len(content):
            problem = f"Content-Length {length} but {len(content)} bytes"
        return Fetched(method, path, response.status, response.headers, content, problem)

    def _keep_cookies(self, lines: list[str]) -> None:
        for line in lines:
            for name, morsel in SimpleCookie(line).items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


@dataclass
class Form:
    """A form as the page shows it: where it goes and the values a browser would send unchanged."""

    method: str
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    empty_required: list[tuple[str, str]] = field(default_factory=list)
    has_file: bool = False
    disabled: bool = False

    def names(self) -> set[str]:
        """The names of the form's fields."""
        return {name for name, _ in self.fields} | {name for name, _ in self.empty_required}

    def filled(self, **values: str) -> list[tuple[str, str]]:
        """The form's values, required blanks and empty text areas filled in, ``values`` replacing fields by name."""
        pairs = [(n, v) for n, v in self.fields if n not in values]
        pairs += [(n, FILLERS.get(kind, "Crawl check")) for n, kind in self.empty_required if n not in values]
        return pairs + list(values.items())


class PageParser(HTMLParser):
    """Collects a page's URLs (with whether htmx fetches them) and its forms."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, bool]] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, bool, list[str], list[str]] | None = None
        self._textarea: tuple[str, bool, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        for element, name in URL_ATTRIBUTES:
            if element == tag and attributes.get(name):
                self.urls.append((attributes[name], False))
        if tag == "img" and attributes.get("srcset"):
            self.urls += [(part.split()[0], False) for part in attributes["srcset"].split(",") if part.strip()]
        if attributes.get("hx-get"):
            self.urls.append((attributes["hx-get"], True))
        if tag == "form":
            self._form = Form(attributes.get("method", "get").lower(), attributes.get("action", ""))
            self.forms.append(self._form)
        elif self._form is not None and tag == "fieldset" and "disabled" in attributes:
            self._form.disabled = True  # a browser sends nothing from it
        elif self._form is not None:
            self._field(tag, attributes)

    def _field(self, tag, attributes):
        name, required = attributes.get("name"), "required" in attributes
        if tag == "input" and name:
            kind = attributes.get("type", "text").lower()
            if kind == "file":
                self._form.has_file = True
            elif kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    self._form.fields.append((name, attributes.get("value", "on")))
            elif kind not in ("submit", "button", "reset", "image"):
                value = attributes.get("value", "")
                if value or not required:
                    self._form.fields.append((name, value))
                else:
                    self._form.empty_required.append((name, kind))
        elif tag == "select" and name:
            self._select = (name, required, [], [])
        elif tag == "option" and self._select is not None:
            value = attributes.get("value", "")
            self._select[2].append(value)
            if "selected" in attributes:
                self._select[3].append(value)
        elif tag == "textarea" and name:
            self._textarea = (name, required, [])

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[2].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, required, values, selected = self._select
            chosen = selected[0] if selected else (values[0] if values else "")
            if not chosen and required and len(values) > 1:
                chosen = values[1]
            self._form.fields.append((name, chosen))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, required, text = self._textarea
            value = "".join(text).strip()
            if value:
                self._form.fields.append((name, value))
            else:
                self._form.empty_required.append((name, "textarea"))
            self._textarea = None


def parse(html: str) -> PageParser:
    """Read a page's URLs and forms."""
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


def page_kind(url: str) -> str:
    """A URL's route shape: numbers and query values dropped."""
    parts = urlsplit(url)
    keys = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return re.sub(r"/\d+", "/#", parts.path) + ("?" + "&".join(keys) if keys else "")


@dataclass
class Visit:
    """A response, who saw it, and the page that showed its URL."""

    identity: str
    fetched: Fetched
    hx: bool
    referrer: str


class Crawler:
    """Walks every same-origin URL one browser can reach, visiting each once, and submits one safe form per kind."""

    def __init__(self, base: str, identity: str, http: Http, limit: int = 400, per_kind: int = 6):
        self.base, self.identity, self.http = base, identity, http
        self.limit, self.per_kind = limit, per_kind
        self.netloc = urlsplit(base).netloc
        self.queue: deque[tuple[str, bool, str]] = deque()
        self.seen: set[tuple[str, bool]] = set()
        self.kinds: Counter[tuple[str, bool]] = Counter()
        self.visits: list[Visit] = []
        self.forms: dict[str, tuple[str, Form]] = {}

    def local(self, url: str, page: str) -> str | None:
        """The path and query of a same-origin URL shown on ``page``; None for other origins and schemes."""
        if url.strip().startswith("#"):  # the same document: a browser fetches nothing
            return None
        absolute = urljoin(self.base + page, url.strip())
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https") or parts.netloc != self.netloc:
            return None
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def add(self, url: str, hx: bool, referrer: str) -> None:
        """Queue a URL unless this browser has already seen it, or enough of its kind."""
        key = (url, hx)
        if key in self.seen or self.kinds[(page_kind(url), hx)] >= self.per_kind:
            return
        self.seen.add(key)
        self.kinds[(page_kind(url), hx)] += 1
        self.queue.append((url, hx, referrer))

    def record(self, fetched: Fetched, hx: bool, referrer: str) -> None:
        """Keep a response; queue what it shows and where it redirects; remember one form per page kind."""
        self.visits.append(Visit(self.identity, fetched, hx, referrer))
        if 300 <= fetched.status < 400 and fetched.headers.get("Location"):
            target = self.local(fetched.headers["Location"], fetched.url)
            if target:
                self.add(target, False, fetched.url)
        if not fetched.html:
            return
        page = parse(fetched.text)
        for url, is_hx in page.urls:
            target = self.local(url, fetched.url)
            if target:
                self.add(target, is_hx, fetched.url)
        for form in page.forms:
            action = self.local(form.action or fetched.url, fetched.url)
            if form.method == "get" and action:  # a browser replaces the action's query with the form's values
                self.add(action.split("?")[0] + "?" + urlencode(form.filled()), False, fetched.url)
            elif action and not (form.has_file or form.disabled or UNSAFE_ACTION.search(action)):
                self.forms.setdefault(page_kind(fetched.url), (action, form))

    def walk(self) -> None:
        """Visit everything queued, up to the page limit."""
        while self.queue and len(self.visits) < self.limit:
            url, hx, referrer = self.queue.popleft()
            self.record(self.http.request("GET", url, hx=hx), hx, referrer)

    def crawl(self, start: Fetched) -> None:
        """Walk from a response, submit one safe form per page kind, then walk what the submissions led to."""
        self.record(start, False, "")
        self.walk()
        for kind, (action, form) in sorted(self.forms.items()):
            self.record(self.http.request("POST", action, data=form.filled()), False, kind)
            self.walk()


def zip_problem(fetched: Fetched) -> str | None:
    """Why a ZIP download is not a whole, readable archive, if it is not."""
    try:
        with zipfile.ZipFile(io.BytesIO(fetched.body)) as archive:
            broken = archive.testzip()
    except zipfile.BadZipFile as error:
        return f"not a ZIP: {error}"
    return f"corrupt member {broken}" if broken else None
