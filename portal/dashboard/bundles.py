"""Dashboard: a deliverable's "Download all", streamed when small, else a ZIP built once and then served."""

from __future__ import annotations

from flask_login import current_user

from portal.bundle_views import DownloadAll
from portal.dashboard import bp
from portal.dashboard.loaders import load
from portal.models import Deliverable
from portal.outbox.registry import OPERATOR
from portal.services import bundles


def _files(deliverable_id: int):
    deliverable = load(Deliverable, deliverable_id)
    return deliverable, bundles.deliverable_files(deliverable.id, client_only=False)


DownloadAll(
    rule="/deliverables/<int:deliverable_id>/zip",
    name_prefix="deliverable_",
    template="dashboard/deliverables/bundle.html",
    files=_files,
    audience=OPERATOR,
    email=lambda: current_user.email,
    # Only a client's downloads are audited.
    record_download=lambda deliverable: None,
).add_routes(bp)
