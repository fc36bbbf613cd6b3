"""A deliverable's "Download all" in the portal: streamed when small, else a ZIP built once and then served."""

from __future__ import annotations

from flask import abort, g

from portal.bundle_views import DownloadAll
from portal.client import bp
from portal.client.loaders import load_deliverable
from portal.client.session import client_actor
from portal.extensions import limiter
from portal.outbox.registry import CLIENT
from portal.services import bundles
from portal.services import files as file_service

DOWNLOAD_ALL = DownloadAll(
    layout="client/layout.html",
    project_endpoint="portal.project_page",
    page_endpoint="portal.download_all",
    prepare_endpoint="portal.prepare_all",
    file_endpoint="portal.download_bundle",
    version_prefix="version ",
    audience=CLIENT,
    email=lambda: g.portal.email,
    record_download=lambda deliverable: file_service.record_download(
        g.portal.org.id, client_actor(), deliverable=deliverable
    ),
)


def _files(deliverable_id: int):
    deliverable = load_deliverable(deliverable_id)
    files = bundles.deliverable_files(deliverable.id, client_only=True)
    if not files:
        abort(404)
    return deliverable, files


@bp.get("/portal/<slug>/deliverables/<int:deliverable_id>/zip")
def download_all(deliverable_id: int):
    """Every visible file of a deliverable in one ZIP with a SHA-256 manifest: streamed, or its preparation."""
    return DOWNLOAD_ALL.page(*_files(deliverable_id))


@bp.post("/portal/<slug>/deliverables/<int:deliverable_id>/zip")
@limiter.limit("30 per minute")
def prepare_all(deliverable_id: int):
    """Ask for a big deliverable's ZIP to be built; the page then shows its progress."""
    return DOWNLOAD_ALL.prepare(*_files(deliverable_id))


@bp.get("/portal/<slug>/deliverables/<int:deliverable_id>/zip/file")
def download_bundle(deliverable_id: int):
    """The built ZIP, served like any file; before it is ready, its page."""
    return DOWNLOAD_ALL.download(*_files(deliverable_id))
