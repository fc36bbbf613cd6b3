"""A project's whole record as a ZIP: one CSV per table and a text receipt per client decision.

Everything is read into plain values before the response starts: a streamed body runs after the request's
database session has closed.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

from portal.extensions import db
from portal.models import Activity, Client, Deliverable, Message, Project, StoredFile
from portal.services.exports import csv_text


def _rows(statement) -> list[tuple]:
    return [tuple(row) for row in db.session.execute(statement).all()]


def _receipt(row) -> str:
    details = row.details or {}
    files = details.get("files") or {}
    lines = [
        "Decision receipt",
        f"Deliverable: {row.summary}",
        f"Decision: {details.get('decision', '')}",
        f"Version: {details.get('version', '')}",
        f"Decided by: {row.actor_label}",
        f"At (UTC): {row.at.isoformat()}",
        f"IP address: {row.ip or ''}",
        f"Browser: {row.user_agent or ''}",
        f"Reason: {details.get('reason') or ''}",
        "Files shown to the client:",
        *(f"  {value}" for value in files.values()),
    ]
    return "\n".join(lines) + "\n"


def project_archive(project: Project) -> bytes:
    """A ZIP of the project's record: one CSV per table and a text receipt per client decision."""
    client = db.session.get(Client, project.client_id)
    pid = project.id
    tables: dict[str, tuple[Sequence[str], list]] = {
        "project.csv": (
            (
                "ID",
                "Name",
                "Client",
                "Client email",
                "Type",
                "Status",
                "Start",
                "End",
                "Location",
                "Description",
                "Created",
                "Archived",
            ),
            [
                (
                    pid,
                    project.name,
                    client.name,
                    client.email,
                    project.type,
                    project.status,
                    project.start_date,
                    project.end_date,
                    project.location,
                    project.description,
                    project.created_at,
                    project.archived_at,
                )
            ],
        ),
        "deliverables.csv": (
            (
                "ID",
                "Title",
                "Type",
                "Format",
                "Version",
                "Status",
                "Visible to client",
                "Approval",
                "Decided by",
                "Decided by email",
                "Decided at",
                "Decided on version",
                "Reason",
                "Decision IP",
                "Archived",
            ),
            _rows(
                db.select(
                    Deliverable.id,
                    Deliverable.title,
                    Deliverable.type,
                    Deliverable.format,
                    Deliverable.version,
                    Deliverable.status,
                    Deliverable.client_visible,
                    Deliverable.approval_status,
                    Deliverable.decided_by_name,
                    Deliverable.decided_by_email,
                    Deliverable.decided_at,
                    Deliverable.decision_version,
                    Deliverable.decision_reason,
                    Deliverable.decision_ip,
                    Deliverable.archived_at,
                )
                .where(Deliverable.project_id == pid)
                .order_by(Deliverable.id)
            ),
        ),
        "files.csv": (
            (
                "ID",
                "Filename",
                "Deliverable ID",
                "Content type",
                "Size",
                "SHA-256",
                "Visible to client",
                "Uploaded by",
                "Uploaded at",
            ),
            _rows(
                db.select(
                    StoredFile.id,
                    StoredFile.filename,
                    StoredFile.deliverable_id,
                    StoredFile.content_type,
                    StoredFile.size,
                    StoredFile.sha256,
                    StoredFile.client_visible,
                    StoredFile.uploaded_by_label,
                    StoredFile.created_at,
                )
                .where(StoredFile.project_id == pid)
                .order_by(StoredFile.id)
            ),
        ),
        "messages.csv": (
            ("ID", "At", "Sender type", "Sender", "Sender email", "Message", "Deliverable ID", "File ID", "Internal"),
            _rows(
                db.select(
                    Message.id,
                    Message.created_at,
                    Message.sender_type,
                    Message.sender_name,
                    Message.sender_email,
                    Message.body,
                    Message.deliverable_id,
                    Message.file_id,
                    Message.internal,
                )
                .where(Message.project_id == pid)
                .order_by(Message.id)
            ),
        ),
    }
    activity = db.session.execute(
        db.select(
            Activity.id,
            Activity.at,
            Activity.actor_type,
            Activity.actor_label,
            Activity.verb,
            Activity.summary,
            Activity.details,
            Activity.ip,
            Activity.user_agent,
        )
        .where(Activity.project_id == pid)
        .order_by(Activity.at, Activity.id)
    ).all()
    tables["activity.csv"] = (
        ("ID", "At", "Actor type", "Actor", "What", "Summary", "Details", "IP address"),
        [(a.id, a.at, a.actor_type, a.actor_label, a.verb, a.summary, a.details, a.ip) for a in activity],
    )
    decisions = [a for a in activity if a.verb == "deliverable.decided"]
    tables["decisions.csv"] = (
        ("Activity ID", "At", "Decided by", "Decision", "Version", "Reason", "IP address", "Browser", "Files"),
        [
            (
                a.id,
                a.at,
                a.actor_label,
                (a.details or {}).get("decision"),
                (a.details or {}).get("version"),
                (a.details or {}).get("reason"),
                a.ip,
                a.user_agent,
                (a.details or {}).get("files"),
            )
            for a in decisions
        ],
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, (header, rows) in tables.items():
            archive.writestr(name, csv_text(header, rows).encode("utf-8"))
        for n, row in enumerate(decisions, start=1):
            archive.writestr(f"receipts/decision-{n:03d}-{row.id}.txt", _receipt(row).encode("utf-8"))
    return buffer.getvalue()
