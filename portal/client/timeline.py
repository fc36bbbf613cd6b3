"""The client's Recent activity in client words: the five client phases, never an internal status."""

from __future__ import annotations

from portal.models.project import CANCELLED, ON_HOLD, PHASES, phase_index


def _status_line(row) -> str | None:
    details = row.details or {}
    before, after = details.get("from"), details.get("to")
    if after == ON_HOLD:
        return f"{row.project_name} is on hold"
    if after == CANCELLED:
        return f"{row.project_name} was cancelled"
    if before == ON_HOLD:
        return f"{row.project_name} is no longer on hold"
    phase = phase_index(after) if after else None
    if phase is None or phase == phase_index(before or ""):
        return None  # an internal step within one client phase
    return f"{row.project_name} moved to {PHASES[phase]}"


LINES = {
    "project.status_changed": _status_line,
    "proposal.sent": lambda row: f"Proposal {row.number} was sent to you" if row.number else None,
    "invoice.sent": lambda row: f"Invoice {row.number} was sent to you" if row.number else None,
    "invoice.paid": lambda row: f"Invoice {row.number} is paid. Thank you!" if row.number else None,
}


def client_timeline(rows, limit: int = 10) -> list[dict]:
    """The activity rows the client may read, each with its client wording, newest first."""
    lines = []
    for row in rows:
        text = LINES[row.verb](row) if row.verb in LINES else row.summary
        if text:
            lines.append({"summary": text, "at": row.at})
    return lines[:limit]
