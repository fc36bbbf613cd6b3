"""docs/PERFORMANCE.md from the figures of bench.run."""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime

GOALS = {"p99": 1.5, "idle 304 poll": 0.5, "project page": 0.5}
LABELS = {"idle 304 poll": "idle 304 poll / bare Flask", "project page": "project page / same templates from memory"}


def write_report(figures: dict, databases: list, scales: list, seconds: int, workers: str, rounds: int) -> str:
    """The report: how it was measured, a table per database, and each goal's ratio from this run."""
    step = max(2, seconds // 2)
    lines = [
        "# Performance",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node() or 'this machine'} "
        f"({os.cpu_count()} cores) by `.venv/bin/python -m bench.run {' '.join(sys.argv[1:])}`: gunicorn "
        f"(`-w {workers} -k sync`, `gc.freeze()` after loading) per scale on 127.0.0.1, all serving at once. "
        f"Each endpoint is measured in {rounds} rounds that visit every scale in turn (wrk, {step} s at 8 "
        f"connections for throughput, then {step} s at 1 connection for latency); the tables give the medians, so a "
        "busy moment of a shared machine hits every scale alike. A ceiling is measured in the same rounds as the "
        "endpoint compared with it. Data from `bench/generate.py`: 1× = one organization with 5 clients, 50 "
        "projects, 500 deliverables and files, 1,000 messages; N× = N times that (1000× = 1,000 organizations, "
        "50,000 projects, 500,000 deliverables and files, 1,000,000 messages). Absolute numbers move between runs "
        "and machines; the ratios are what to compare.",
        "",
    ]
    small, big = min(scales), max(scales)
    for kind in databases:
        results_small, results_big = figures[(kind, small)]["results"], figures[(kind, big)]["results"]
        lines += [
            f"## {'SQLite' if kind == 'sqlite' else 'PostgreSQL'}",
            "",
            "| endpoint | " + " | ".join(f"{s}× req/s | {s}× p50 ms | {s}× p99 ms" for s in scales) + " |",
            "|---|" + "---|---|---|" * len(scales),
        ]
        for name in results_big:
            cells = []
            for scale in scales:
                r = figures[(kind, scale)]["results"][name]
                cells.append(f"{r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f}")
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines.append("")
        ceilings = figures.get((kind, "ceilings"), {})
        if ceilings:
            lines += [f"| ceiling at {big}× (project page bytes or templates) | req/s |", "|---|---|"]
            lines += [f"| {name} | {value['rps']:,.0f} |" for name, value in ceilings.items()]
            lines.append("")
        lines += ["Goals (ratios from this run):", ""]
        for name in results_big:
            ratio = results_big[name]["p99"] / max(results_small[name]["p99"], 0.001)
            mark = "met" if ratio <= GOALS["p99"] else "missed"
            lines.append(f"- p99 of {name} at {big}× / at {small}×: **{ratio:.2f}** (goal ≤ 1.5: {mark})")
        for name, ratio in figures.get((kind, "ratios"), {}).items():
            mark = "met" if ratio >= GOALS[name] else "missed"
            lines.append(f"- {LABELS[name]} at {big}× (median of the rounds): **{ratio:.2f}** (goal ≥ 0.5: {mark})")
        generated = ", ".join(f"{figures[(kind, s)]['generated_s']:.0f} s at {s}×" for s in scales)
        lines += [f"- data generation (schema, rows, VACUUM ANALYZE) took {generated}", ""]
    lines += [
        "The query count of every portal page is the same at any size of data, and an idle poll runs one "
        "query, answered ahead of the app's request machinery: `tests/integration/test_query_counts.py` and "
        "`tests/routes/test_portal_idle_poll.py` assert them.",
        "",
        "An action on a project page runs its write and the statements of the blocks it returns, no more than "
        "rendering those blocks alone and none for the blocks it does not return: "
        "`tests/integration/test_fragment_counts.py` (the operator's link toggle, comment, message, deliverable or "
        "status change, live poll) and `tests/integration/test_client_fragment_counts.py` (the client's decision, "
        "comment and message) assert each action's count.",
        "",
    ]
    return "\n".join(lines)
