"""The approval certificate of a decision: its content, a checksum over it, the one-page PDF and the public check."""

from __future__ import annotations

import hashlib
import json
from zoneinfo import ZoneInfo

from flask import Response, current_app, render_template

from portal.downloads import content_disposition
from portal.extensions import db
from portal.formatting import filesize
from portal.models import Decision, Deliverable, Organization, Project
from portal.models.deliverable import APPROVAL_LABELS
from portal.urls import public_url_for


def download_limit() -> str:
    """The per-IP limit on certificate downloads (each one renders a PDF)."""
    return current_app.config["CERTIFICATE_RATE_LIMIT"]


def local_time(decision: Decision) -> str | None:
    """When the decision was made on the client's clock, or None when the zone is unknown."""
    if not decision.time_zone:
        return None
    try:
        zone = ZoneInfo(decision.time_zone)
    except (KeyError, ValueError):
        return None
    return decision.decided_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z") + f" ({decision.time_zone})"


def content(decision: Decision) -> dict:
    """Everything the certificate states, in the order it states it: what the checksum covers."""
    deliverable = db.session.get(Deliverable, decision.deliverable_id)
    project = db.session.get(Project, deliverable.project_id)
    org = db.session.get(Organization, project.org_id)
    return {
        "certificate": decision.public_id,
        "organization": org.name,
        "project": project.name,
        "deliverable": deliverable.title,
        "version": decision.version,
        "decision": APPROVAL_LABELS.get(decision.decision, decision.decision),
        "reason": decision.reason or "",
        "email": decision.email,
        "name": decision.name or "",
        "utc": decision.decided_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "local": local_time(decision) or "unknown",
        "ip": decision.ip or "unknown",
        "user_agent": decision.user_agent or "unknown",
        "files": [
            {
                "name": f["name"],
                "size": f"{filesize(f['size'])} ({f['size']:,} bytes)",
                "sha256": f["sha256"],
                "capture": f.get("capture") or {},
            }
            for f in decision.files or []
        ],
    }


def checksum(fields: dict) -> str:
    """The SHA-256 of the certificate's content (canonical JSON), as printed on it and on the verification page."""
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def verify_url(decision: Decision) -> str:
    """The short public address that confirms the certificate."""
    return public_url_for("verify.verify", public_id=decision.public_id)


def certificate_pdf(decision: Decision) -> bytes:
    """The decision's certificate as a one-page PDF with a QR code of its verification address."""
    import segno
    from weasyprint import HTML

    fields = content(decision)
    url = verify_url(decision)
    qr = segno.make(url, error="m").svg_data_uri(scale=3, border=0)
    html = render_template("pdf/certificate.html", c=fields, digest=checksum(fields), url=url, qr=qr)
    # No base_url: the document loads nothing from the network or the disk.
    return HTML(string=html).write_pdf()


def certificate_filename(decision: Decision) -> str:
    """The download name of a decision's certificate."""
    return f"certificate-{decision.public_id}.pdf"


def download(decision: Decision) -> Response:
    """The decision's certificate as a PDF attachment that no cache keeps."""
    response = Response(certificate_pdf(decision), mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(certificate_filename(decision), inline=False)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def find(public_id: str) -> Decision | None:
    """The decision with this public id, if any."""
    if not public_id or len(public_id) > 32:
        return None
    return db.session.execute(db.select(Decision).where(Decision.public_id == public_id)).scalar_one_or_none()
