"""A deliverable's "Download all" in the portal: streamed when small, else a ZIP built once and then served."""

from __future__ import annotations

from flask import abort, g

from portal.bundle_views import DownloadAll
from portal.client import bp
from portal.client.loaders import load_deliverable
from portal.client.session import client_actor
from portal.outbox.registry import CLIENT
from portal.services import bundles
from portal.services import files as file_service


def _files(deliverable_id: int):
    deliverable = load_deliverable(deliverable_id)
    files = bundles.deliverable_files(deliverable.id, client_only=True)
    if not files:
        abort(404)
    return deliverable, files


DownloadAll(
    rule="/portal/<slug>/deliverables/<int:deliverable_id>/zip",
    name_prefix="",
    template="client/bundle.html",
    files=_files,
    audience=CLIENT,
    email=lambda: g.portal.email,
    record_download=lambda deliverable: file_service.record_download(
        g.portal.org.id, client_actor(), deliverable=deliverable
    ),
).add_routes(bp)
