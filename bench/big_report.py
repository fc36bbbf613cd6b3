"""The big-file benchmark's table, goals, and its section of docs/PERFORMANCE.md."""

from __future__ import annotations

import re
from pathlib import Path

SECTION = "## Big files"
MB = 1024 * 1024


def _mbps(size_mb: int, seconds: float) -> float:
    return size_mb / seconds if seconds else 0.0


def rows(result: dict, size_mb: int, small_mb: int) -> list[tuple[str, str, str, bool | None]]:
    """(measure, value, goal, met) for one backend."""
    up, rss, lat = result["upload"], result["rss"], result["latency"]
    idle = rss.get("idle") or 1
    peak = max(value for phase, value in rss.items() if phase != "idle")
    busiest = max((p for p in rss if p != "idle"), key=rss.get)
    app_speed, boto_speed = _mbps(size_mb, up["transfer_s"]), _mbps(size_mb, result["boto3_s"])
    quiet, busy = lat["quiet"]["p99"], lat["busy"]["p99"]
    out = [
        (
            f"{size_mb:,} MB upload cut at half, resumed: parts re-sent",
            f"{up['resent']} of {up['parts']} ({up['stored_at_cut']} stored at the cut)",
            "≤ 1",
            up["resent"] <= 1,
        ),
        (
            "web worker peak RSS / warm idle RSS (upload, ZIP, download)",
            f"{peak / idle:.2f} ({idle / 1024:.0f} → {peak / 1024:.0f} MB, peak in {busiest}; "
            f"{result['cold_rss'] / 1024:.0f} MB before the warm-up)",
            "≤ 1.2",
            peak / idle <= 1.2,
        ),
    ]
    if result["mode"] == "s3":
        out.append(
            (
                "request bytes the app read during the upload",
                f"{result['received']:,}",
                "< 1 MB",
                result["received"] < MB,
            )
        )
    else:
        out.append(
            ("request bytes the app read during the upload", f"{result['received']:,}", "(it is the part target)", None)
        )
    out += [
        (
            "upload throughput / boto3 upload_file to SeaweedFS",
            f"{app_speed / boto_speed:.2f} ({app_speed:,.0f} vs {boto_speed:,.0f} MB/s)",
            "≥ 0.5",
            app_speed / boto_speed >= 0.5,
        ),
        (
            "complete answered, then file ready after",
            f"{up['complete_status']}, {up['ready_s']:.0f} s from start",
            "",
            None,
        ),
        (
            "ZIP of the deliverable (download all)",
            f"{result['zip_s']:.0f} s, {_mbps(result['zip_bytes'] / MB, result['zip_s']):,.0f} MB/s",
            "",
            None,
        ),
        (
            "download of the file",
            f"{result['download_s']:.0f} s, {_mbps(result['download_bytes'] / MB, result['download_s']):,.0f} MB/s",
            "",
            None,
        ),
        (
            f"project page p99, four {small_mb:,} MB downloads / none",
            f"{busy / quiet:.2f} ({quiet:.1f} → {busy:.1f} ms; "
            f"p50 {lat['quiet']['p50']:.1f} → {lat['busy']['p50']:.1f} ms)",
            "≤ 2",
            busy / quiet <= 2,
        ),
    ]
    return out


def table(results: list[dict], size_mb: int, small_mb: int) -> str:
    """A Markdown table: one column per backend."""
    lines = []
    for result in results:
        name = "local storage" if result["mode"] == "local" else "S3 (SeaweedFS)"
        lines += [f"### {name}", "", "| measure | result | goal | met |", "|---|---|---|---|"]
        for measure, value, goal, met in rows(result, size_mb, small_mb):
            mark = "" if met is None else ("yes" if met else "**no**")
            lines.append(f"| {measure} | {value} | {goal} | {mark} |")
        lines.append("")
    return "\n".join(lines)


def write(doc: Path, results: list[dict], size_mb: int, small_mb: int, command: str, machine: str, when) -> None:
    """Replace the "Big files" section of the performance document with this run's figures."""
    text = doc.read_text()
    before = text.split(SECTION)[0].rstrip() + "\n\n"
    after = ""
    rest = text.split(SECTION, 1)[1] if SECTION in text else ""
    following = re.search(r"^## ", rest, flags=re.M)
    if following:
        after = "\n" + rest[following.start() :]
    section = [
        SECTION,
        "",
        f"Measured {when:%Y-%m-%d %H:%M} UTC on {machine} by `.venv/bin/{command}`: the app under gunicorn "
        "(`gunicorn.conf.py`: 2 `gthread` workers × 8 threads) with its RQ worker, PostgreSQL and Redis on "
        "127.0.0.1, SeaweedFS (`weed mini`) as the S3 server. The upload is a Python client doing what Uppy does "
        "(create, sign each part, PUT 4 parts at once, list, complete), cut at half by dropping every connection "
        "and resumed by listing the stored parts. RSS is sampled every 0.2 s from `/proc/<pid>/status` of every "
        "gunicorn worker. Page latency: one client requesting the portal project page back to back for "
        f"12 s, with no downloads, then while four {small_mb:,} MB downloads run, each read at 25 MB/s "
        "(a fast client line rather than the loopback's speed).",
        "",
        table(results, size_mb, small_mb),
    ]
    doc.write_text(before + "\n".join(section).rstrip() + "\n" + after)
