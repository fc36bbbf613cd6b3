"""Benchmark the portal with gunicorn and wrk on 127.0.0.1; write the figures to docs/PERFORMANCE.md.

Usage: .venv/bin/python -m bench.run [--seconds 4] [--scales 1,100] [--databases sqlite,postgresql]
Needs wrk (Debian package) and, for PostgreSQL, the local server (TEST_POSTGRES_URL as in the tests).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from bench.databases import database

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
WORKERS = str(os.cpu_count() or 2)
LATENCY_ROUNDS = 3


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
        self.process.wait(timeout=20)


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


def measure(base: str, first: dict, cookie: str, seconds: int) -> dict:
    """The four portal endpoints: throughput at 8 connections, latency at 1."""
    slug, project = first["slug"], first["project_id"]
    thread = f"{base}/portal/{slug}/projects/{project}/thread"
    _status, _body, headers = fetch(thread, {"Cookie": cookie, "HX-Request": "true"})
    endpoints = {
        "overview": (f"{base}/portal/{slug}/", {"Cookie": cookie}),
        "project page": (f"{base}/portal/{slug}/projects/{project}", {"Cookie": cookie}),
        "thread fragment": (thread, {"Cookie": cookie, "HX-Request": "true"}),
        "idle 304 poll": (thread, {"Cookie": cookie, "HX-Request": "true", "If-None-Match": headers["ETag"]}),
    }
    results = {}
    for name, (url, hdrs) in endpoints.items():
        status, _body, _h = fetch(url, hdrs)
        assert status in (200, 304), (name, status)
        load = wrk(url, hdrs, seconds, 8)
        # A p99 from a few hundred requests moves with one hiccup of the machine: take the median of three rounds.
        rounds = [wrk(url, hdrs, max(2, seconds // 2), 1) for _ in range(LATENCY_ROUNDS)]
        p50, p99 = (statistics.median(r[key] for r in rounds) for key in ("p50", "p99"))
        results[name] = {"rps": load["rps"], "p50": p50, "p99": p99, "errors": load["errors"]}
    return results


def run(databases: list[str], scales: list[int], seconds: int) -> dict:
    figures = {}
    for kind in databases:
        for scale in scales:
            with tempfile.TemporaryDirectory() as folder:
                url, drop = database(kind, Path(folder))
                env = {
                    **os.environ,
                    "DATABASE_URL": url,
                    "SECRET_KEY": "bench-secret",
                    "LINK_SECRET": "bench-link",
                    "STORAGE_DIR": folder,
                    "PORTAL_ENTRY_RATE_LIMIT": "100000 per minute",
                    "FLASK_ENV": "development",
                }
                try:
                    started = time.monotonic()
                    first = prepare(env, scale)
                    generated = time.monotonic() - started
                    server = Server("wsgi:app", env)
                    try:
                        cookie = enter_portal(server.base, first["token"])
                        results = measure(server.base, first, cookie, seconds)
                        page = fetch(
                            f"{server.base}/portal/{first['slug']}/projects/{first['project_id']}", {"Cookie": cookie}
                        )[1]
                    finally:
                        server.stop()
                    figures[(kind, scale)] = {"results": results, "generated_s": generated}
                    if scale == max(scales):
                        figures[(kind, "ceilings")] = ceilings(env, first, cookie, page, seconds, folder)
                    print(kind, scale, results, flush=True)
                finally:
                    drop()
    return figures


def ceilings(env: dict, first: dict, cookie: str, page: bytes, seconds: int, folder: str) -> dict:
    """Bare Flask with the same bytes, and the same templates from in-memory data."""
    html = Path(folder) / "page.html"
    html.write_bytes(page)
    env = {**env, "BENCH_HTML": str(html), "BENCH_SLUG": first["slug"], "BENCH_PROJECT": str(first["project_id"])}
    out = {}
    for name, target in (
        ("bare Flask, same bytes", "bench.ceilings:bare_app()"),
        ("templates from memory", "bench.ceilings:memory_app()"),
    ):
        server = Server(target, env)
        try:
            url = f"{server.base}/portal/{first['slug']}/projects/{first['project_id']}"
            assert fetch(url, {"Cookie": cookie})[0] == 200, name
            load = wrk(url, {"Cookie": cookie}, seconds, 8)
            out[name] = {"rps": load["rps"]}
        finally:
            server.stop()
    return out


def write_report(figures: dict, databases: list[str], scales: list[int], seconds: int) -> str:
    lines = [
        "# Performance",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node() or 'this machine'} "
        f"({os.cpu_count()} cores) by `.venv/bin/python -m bench.run --seconds {seconds}`: gunicorn "
        f"(`-w {WORKERS} -k sync`, `gc.freeze()` after loading) on 127.0.0.1, wrk for {seconds} s at 8 connections "
        f"(throughput) and, for latency, {LATENCY_ROUNDS} rounds of {max(2, seconds // 2)} s at 1 connection "
        "(medians). Data from `bench/generate.py`: 1× = one organization with 50 projects (500 deliverables, "
        "1,000 messages); 100× = 100 organizations, 5,000 projects, 50,000 deliverables, 100,000 messages. "
        "Absolute numbers move between runs and machines; the ratios are what to compare.",
        "",
    ]
    for kind in databases:
        lines += [
            f"## {'SQLite' if kind == 'sqlite' else 'PostgreSQL'}",
            "",
            "| endpoint | " + " | ".join(f"{s}× req/s | {s}× p50 ms | {s}× p99 ms" for s in scales) + " |",
            "|---|" + "---|---|---|" * len(scales),
        ]
        names = figures[(kind, scales[0])]["results"].keys()
        for name in names:
            cells = []
            for scale in scales:
                r = figures[(kind, scale)]["results"][name]
                cells.append(f"{r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f}")
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines.append("")
        big = max(scales)
        ceil = figures.get((kind, "ceilings"), {})
        if ceil:
            lines += ["| ceiling (project page bytes or templates) | req/s |", "|---|---|"]
            lines += [f"| {name} | {value['rps']:,.0f} |" for name, value in ceil.items()]
            lines.append("")
        results_big = figures[(kind, big)]["results"]
        results_small = figures[(kind, min(scales))]["results"]
        lines += ["Goals (ratios from this run):", ""]
        for name in names:
            ratio = results_big[name]["p99"] / max(results_small[name]["p99"], 0.001)
            lines.append(f"- p99 of {name} at {big}× / at {min(scales)}×: **{ratio:.2f}** (goal ≤ 1.5)")
        if ceil:
            memory = ceil["templates from memory"]["rps"]
            bare = ceil["bare Flask, same bytes"]["rps"]
            lines.append(
                f"- project page at {big}× / same templates from memory: "
                f"**{results_big['project page']['rps'] / memory:.2f}** (goal ≥ 0.5)"
            )
            lines.append(
                f"- idle 304 poll / bare Flask: **{results_big['idle 304 poll']['rps'] / bare:.2f}** (goal ≥ 0.25)"
            )
        lines.append(f"- data generation took {figures[(kind, big)]['generated_s']:.0f} s at {big}×")
        lines.append("")
    lines += [
        "The query count of every portal page is the same at any size of data and an idle poll runs two "
        "queries: `tests/integration/test_query_counts.py` asserts both.",
        "",
        "An action on the operator's project page (link toggle, comment, message, deliverable or status change, "
        "live poll) runs its write and the statements of the blocks it returns, none for the blocks it does not "
        "return: `tests/integration/test_fragment_counts.py` asserts each action's count.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--scales", default="1,100")
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    databases = args.databases.split(",")
    scales = [int(s) for s in args.scales.split(",")]
    figures = run(databases, scales, args.seconds)
    report = write_report(figures, databases, scales, args.seconds)
    doc = ROOT / "docs" / "PERFORMANCE.md"
    # The big-file benchmark (bench.big_files) owns its own section: keep it.
    kept = doc.read_text().split("## Big files", 1) if doc.exists() else [""]
    doc.write_text(report + ("\n## Big files" + kept[1] if len(kept) == 2 else ""))
    print(report)


if __name__ == "__main__":
    main()
