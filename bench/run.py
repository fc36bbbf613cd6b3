"""Benchmark the portal with gunicorn and wrk on 127.0.0.1; write the figures to docs/PERFORMANCE.md.

Usage: .venv/bin/python -m bench.run [--seconds 4] [--scales 1,100] [--databases sqlite,postgresql]
Needs wrk (Debian package) and, for PostgreSQL, the local server (TEST_POSTGRES_URL as in the tests).
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.databases import database
from bench.report import write_report

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
WORKERS = str(os.cpu_count() or 2)
ROUNDS = 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(env: dict, scale: int) -> dict:
    """Create the schema and the data in a child process (the app reads its config from the environment)."""
    code = (
        "import json; from portal import create_app; from portal.extensions import db; "
        "from bench.generate import generate; app = create_app(); ctx = app.app_context(); ctx.push(); "
        f"db.create_all(); print(json.dumps(generate({scale})))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])


class Server:
    """gunicorn serving one app on a free port."""

    def __init__(self, target: str, env: dict):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                GUNICORN,
                target,
                "-c",
                "gunicorn.conf.py",
                "-w",
                WORKERS,
                "-k",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--access-logfile",
                "/dev/null",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{target} did not start")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:  # a loaded machine: do not leave it serving
            self.process.kill()
            self.process.wait()


def enter_portal(base: str, token: str) -> str:
    """Open the portal like a person (GET the link, press the button) and return the session cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/p/{token}").read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    opener.open(urllib.request.Request(f"{base}/p/{token}", data=f"csrf_token={csrf}".encode(), method="POST"))
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar if cookie.name == "session")


def fetch(url: str, headers: dict) -> tuple[int, bytes, dict]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, headers: dict, seconds: int, connections: int) -> dict:
    """Requests per second and p50/p99 latency (ms) from one wrk run."""
    args = ["wrk", "-t", "2" if connections > 1 else "1", "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {}
    for pct in ("50", "99"):
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out).groups()
        latency[pct] = float(value) * UNITS[unit]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"rps": rps, "p50": latency["50"], "p99": latency["99"], "errors": int(non2xx.group(1)) if non2xx else 0}


@dataclass
class Site:
    """One scale's data behind its own server, with a browsing session."""

    server: Server
    first: dict
    cookie: str
    generated_s: float


def endpoints(site: Site) -> dict:
    """Every portal page, the thread fragment and the idle poll: name -> (url, headers)."""
    base, cookie = site.server.base, site.cookie
    slug, project = site.first["slug"], site.first["project_id"]
    thread = f"{base}/portal/{slug}/projects/{project}/thread"
    _status, _body, headers = fetch(thread, {"Cookie": cookie, "HX-Request": "true"})
    return {
        "overview": (f"{base}/portal/{slug}/", {"Cookie": cookie}),
        "projects": (f"{base}/portal/{slug}/projects", {"Cookie": cookie}),
        "proposals": (f"{base}/portal/{slug}/proposals", {"Cookie": cookie}),
        "invoices": (f"{base}/portal/{slug}/invoices", {"Cookie": cookie}),
        "project page": (f"{base}/portal/{slug}/projects/{project}", {"Cookie": cookie}),
        "thread fragment": (thread, {"Cookie": cookie, "HX-Request": "true"}),
        "idle 304 poll": (thread, {"Cookie": cookie, "HX-Request": "true", "If-None-Match": headers["ETag"]}),
    }


# The ceiling each endpoint is compared with, measured in the same rounds (at the largest scale).
CEILING_OF = {"idle 304 poll": "bare Flask, same bytes", "project page": "templates from memory"}


def measure(sites: dict, ceiling_urls: dict, cookie: str, seconds: int, only: tuple[str, ...] = ()) -> tuple:
    """Each endpoint at every scale, in alternating rounds so a busy moment of the machine hits all scales alike:
    per round, throughput at 8 connections and latency at 1 (medians of the rounds). An endpoint with a ceiling
    has it measured in the same rounds, right after it; the ratio is the median of the rounds' ratios."""
    scales = sorted(sites)
    big = scales[-1]
    urls = {scale: endpoints(site) for scale, site in sites.items()}
    step = max(2, seconds // 2)
    results = {scale: {} for scale in scales}
    ceilings, ratios = {}, {}
    for name in urls[big]:
        if only and not any(word in name for word in only):
            continue
        rounds = {scale: [] for scale in scales}
        ceiling_rounds = []
        for _ in range(ROUNDS):
            for scale in scales:
                url, hdrs = urls[scale][name]
                status, _body, _h = fetch(url, hdrs)
                assert status in (200, 304), (name, scale, status)
                load, latency = wrk(url, hdrs, step, 8), wrk(url, hdrs, step, 1)
                rounds[scale].append({**latency, "rps": load["rps"], "errors": load["errors"]})
            if name in CEILING_OF:
                ceiling_rounds.append(wrk(ceiling_urls[CEILING_OF[name]], {"Cookie": cookie}, step, 8)["rps"])
        for scale in scales:
            runs = rounds[scale]
            results[scale][name] = {key: statistics.median(r[key] for r in runs) for key in ("rps", "p50", "p99")}
            results[scale][name]["errors"] = sum(r["errors"] for r in runs)
        if ceiling_rounds:
            ceilings[CEILING_OF[name]] = {"rps": statistics.median(ceiling_rounds)}
            ratios[name] = statistics.median(r["rps"] / c for r, c in zip(rounds[big], ceiling_rounds, strict=True))
        print(name, {scale: results[scale][name] for scale in scales}, flush=True)
    return results, ceilings, ratios


def environment(url: str, folder: Path) -> dict:
    """The app's settings for one benchmark database."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-secret",
        "LINK_SECRET": "bench-link",
        "STORAGE_DIR": str(folder),
        "PORTAL_ENTRY_RATE_LIMIT": "100000 per minute",
        "FLASK_ENV": "development",
    }


def run(databases: list[str], scales: list[int], seconds: int, only: tuple[str, ...] = ()) -> dict:
    """Build every scale's database, serve them side by side with the ceilings, measure, drop the databases."""
    figures = {}
    for kind in databases:
        with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
            sites = {}
            for scale in scales:
                place = Path(folder) / f"x{scale}"
                place.mkdir()
                url, drop = database(kind, place)
                stack.callback(drop)
                env = environment(url, place)
                started = time.monotonic()
                first = prepare(env, scale)
                generated = time.monotonic() - started
                print(kind, scale, f"generated in {generated:.0f} s", flush=True)
                server = Server("wsgi:app", env)
                stack.callback(server.stop)
                sites[scale] = Site(server, first, enter_portal(server.base, first["token"]), generated)
            big = sites[max(scales)]
            ceiling_urls = ceilings(stack, environment(url, place), big, Path(folder))
            results, ceiling_figures, ratios = measure(sites, ceiling_urls, big.cookie, seconds, only)
            for scale, site in sites.items():
                figures[(kind, scale)] = {"results": results[scale], "generated_s": site.generated_s}
            figures[(kind, "ceilings")] = ceiling_figures
            figures[(kind, "ratios")] = ratios
    return figures


def ceilings(stack: contextlib.ExitStack, env: dict, site: Site, folder: Path) -> dict:
    """Serve bare Flask with the project page's bytes, and the same templates from in-memory data: name -> url."""
    slug, project = site.first["slug"], site.first["project_id"]
    path = f"/portal/{slug}/projects/{project}"
    html = folder / "page.html"
    html.write_bytes(fetch(f"{site.server.base}{path}", {"Cookie": site.cookie})[1])
    env = {**env, "BENCH_HTML": str(html), "BENCH_SLUG": slug, "BENCH_PROJECT": str(project)}
    urls = {}
    for name, target in (
        ("bare Flask, same bytes", "bench.ceilings:bare_app()"),
        ("templates from memory", "bench.ceilings:memory_app()"),
    ):
        server = Server(target, env)
        stack.callback(server.stop)
        urls[name] = f"{server.base}{path}"
        assert fetch(urls[name], {"Cookie": site.cookie})[0] == 200, name
    return urls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--scales", default="1,100")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--only", default="", help="measure only endpoints whose name contains one of these words")
    args = parser.parse_args()
    databases = args.databases.split(",")
    scales = [int(s) for s in args.scales.split(",")]
    figures = run(databases, scales, args.seconds, tuple(w for w in args.only.split(",") if w))
    report = write_report(figures, databases, scales, args.seconds, WORKERS, ROUNDS)
    doc = ROOT / "docs" / "PERFORMANCE.md"
    # The big-file and preview benchmarks (bench.big_files, bench.previews) own the sections from "Big files" on.
    kept = doc.read_text().split("\n## Big files", 1) if doc.exists() else [""]
    doc.write_text(report.rstrip("\n") + "\n" + ("\n## Big files" + kept[1] if len(kept) == 2 else ""))
    print(report)


if __name__ == "__main__":
    main()
