"""Dashboard: a deliverable's "Download all", streamed when small, else a ZIP built once and then served."""

from __future__ import annotations

from flask import redirect, url_for
from flask_login import current_user

from portal import bundle_views
from portal.dashboard import bp
from portal.dashboard.loaders import load
from portal.extensions import limiter
from portal.htmx import render
from portal.models import Deliverable
from portal.outbox.registry import OPERATOR
from portal.services import bundles

PAGE = "dashboard/deliverables/bundle.html"


def _files(deliverable_id: int):
    deliverable = load(Deliverable, deliverable_id)
    return deliverable, bundles.deliverable_files(deliverable.id, client_only=False)


@bp.get("/deliverables/<int:deliverable_id>/zip")
def deliverable_download_all(deliverable_id: int):
    """Every file of a deliverable in one ZIP with a SHA-256 manifest: streamed, or its preparation."""
    deliverable, files = _files(deliverable_id)
    if files and not bundles.is_big(files):
        return bundle_views.stream_small(deliverable, files)
    return render(PAGE, "bundle_status", **bundle_views.state(deliverable, files))


@bp.post("/deliverables/<int:deliverable_id>/zip")
@limiter.limit("30 per minute")
def deliverable_prepare_all(deliverable_id: int):
    """Ask for a big deliverable's ZIP to be built; the page then shows its progress."""
    deliverable, files = _files(deliverable_id)
    if files and bundles.is_big(files):
        bundle_views.prepare(deliverable, files, current_user.email, OPERATOR)
    return redirect(url_for("dashboard.deliverable_download_all", deliverable_id=deliverable.id), code=303)


@bp.get("/deliverables/<int:deliverable_id>/zip/file")
def deliverable_download_bundle(deliverable_id: int):
    """The built ZIP, served like any file; before it is ready, its page."""
    deliverable, files = _files(deliverable_id)
    bundle = bundle_views.ready_bundle(deliverable, files)
    if bundle is None:
        return redirect(url_for("dashboard.deliverable_download_all", deliverable_id=deliverable.id), code=303)
    if bundle_views.first_request():
        bundles.mark_downloaded(bundle, current_user.email)
    return bundle_views.serve(deliverable, bundle)
