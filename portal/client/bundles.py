"""A deliverable's "Download all" in the portal: streamed when small, else a ZIP built once and then served."""

from __future__ import annotations

from flask import abort, g, redirect, url_for

from portal import bundle_views
from portal.client import bp
from portal.client.loaders import load_deliverable
from portal.client.session import client_actor
from portal.extensions import limiter
from portal.htmx import render
from portal.outbox.registry import CLIENT
from portal.services import bundles
from portal.services import files as file_service

PAGE = "client/bundle.html"


def _files(deliverable_id: int):
    deliverable = load_deliverable(deliverable_id)
    files = bundles.deliverable_files(deliverable.id, client_only=True)
    if not files:
        abort(404)
    return deliverable, files


@bp.get("/portal/<slug>/deliverables/<int:deliverable_id>/zip")
def download_all(deliverable_id: int):
    """Every visible file of a deliverable in one ZIP with a SHA-256 manifest: streamed, or its preparation."""
    deliverable, files = _files(deliverable_id)
    if not bundles.is_big(files):
        file_service.record_download(g.portal.org.id, client_actor(), deliverable=deliverable)
        return bundle_views.stream_small(deliverable, files)
    return render(PAGE, "bundle_status", **bundle_views.state(deliverable, files))


@bp.post("/portal/<slug>/deliverables/<int:deliverable_id>/zip")
@limiter.limit("30 per minute")
def prepare_all(deliverable_id: int):
    """Ask for a big deliverable's ZIP to be built; the page then shows its progress."""
    deliverable, files = _files(deliverable_id)
    if bundles.is_big(files):
        bundle_views.prepare(deliverable, files, g.portal.email, CLIENT)
    return redirect(url_for("portal.download_all", deliverable_id=deliverable.id), code=303)


@bp.get("/portal/<slug>/deliverables/<int:deliverable_id>/zip/file")
def download_bundle(deliverable_id: int):
    """The built ZIP, served like any file; before it is ready, its page."""
    deliverable, files = _files(deliverable_id)
    bundle = bundle_views.ready_bundle(deliverable, files)
    if bundle is None:
        return redirect(url_for("portal.download_all", deliverable_id=deliverable.id), code=303)
    if bundle_views.first_request():
        file_service.record_download(g.portal.org.id, client_actor(), deliverable=deliverable)
        bundles.mark_downloaded(bundle, g.portal.email)
    return bundle_views.serve(deliverable, bundle)
