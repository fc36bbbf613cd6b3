"""Dashboard: a deliverable's "Download all", streamed when small, else a ZIP built once and then served."""

from __future__ import annotations

from flask_login import current_user

from portal.bundle_views import DownloadAll
from portal.dashboard import bp
from portal.dashboard.loaders import load
from portal.extensions import limiter
from portal.models import Deliverable
from portal.outbox.registry import OPERATOR
from portal.services import bundles

DOWNLOAD_ALL = DownloadAll(
    layout="dashboard/layout.html",
    project_endpoint="dashboard.projects_show",
    page_endpoint="dashboard.deliverable_download_all",
    prepare_endpoint="dashboard.deliverable_prepare_all",
    file_endpoint="dashboard.deliverable_download_bundle",
    version_prefix="v",
    audience=OPERATOR,
    email=lambda: current_user.email,
    # Only a client's downloads are audited.
    record_download=lambda deliverable: None,
)


def _files(deliverable_id: int):
    deliverable = load(Deliverable, deliverable_id)
    return deliverable, bundles.deliverable_files(deliverable.id, client_only=False)


@bp.get("/deliverables/<int:deliverable_id>/zip")
def deliverable_download_all(deliverable_id: int):
    """Every file of a deliverable in one ZIP with a SHA-256 manifest: streamed, or its preparation."""
    return DOWNLOAD_ALL.page(*_files(deliverable_id))


@bp.post("/deliverables/<int:deliverable_id>/zip")
@limiter.limit("30 per minute")
def deliverable_prepare_all(deliverable_id: int):
    """Ask for a big deliverable's ZIP to be built; the page then shows its progress."""
    return DOWNLOAD_ALL.prepare(*_files(deliverable_id))


@bp.get("/deliverables/<int:deliverable_id>/zip/file")
def deliverable_download_bundle(deliverable_id: int):
    """The built ZIP, served like any file; before it is ready, its page."""
    return DOWNLOAD_ALL.download(*_files(deliverable_id))
