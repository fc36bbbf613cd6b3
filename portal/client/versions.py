"""The client's read-only history of a deliverable's versions, and the certificates of its decisions."""

from __future__ import annotations

from portal import certificate
from portal.client import bp
from portal.client.loaders import load_deliverable
from portal.extensions import db, limiter
from portal.htmx import render
from portal.models import Decision
from portal.services import versions


@bp.get("/portal/<slug>/deliverables/<int:deliverable_id>/versions")
def deliverable_versions(deliverable_id: int):
    """Every version of a visible deliverable, what changed, and the decisions on each (read-only)."""
    deliverable = load_deliverable(deliverable_id)
    return render(
        "client/versions.html",
        deliverable=deliverable,
        project=deliverable.project,
        versions=versions.history(deliverable, client=True),
    )


@bp.get("/portal/<slug>/decisions/<int:decision_id>/certificate.pdf")
@limiter.limit(certificate.download_limit)
def decision_certificate(decision_id: int):
    """The certificate of a decision on a deliverable this session may see."""
    decision = db.get_or_404(Decision, decision_id)
    load_deliverable(decision.deliverable_id)
    return certificate.download(decision)
