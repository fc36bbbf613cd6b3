"""Dashboard: a deliverable's versions, "upload a new version", and the certificates of its decisions."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from portal import certificate
from portal.dashboard import bp
from portal.dashboard.guard import current_actor
from portal.dashboard.loaders import load
from portal.extensions import db, limiter
from portal.models import Decision, Deliverable
from portal.services import versions
from portal.services.errors import ServiceError

NEW = "dashboard/projects/version_new.html"


@bp.get("/deliverables/<int:deliverable_id>/versions")
def deliverable_versions(deliverable_id: int):
    """Every version of the deliverable, what changed, and the decisions on each (read-only)."""
    deliverable = load(Deliverable, deliverable_id)
    return render_template(
        "dashboard/projects/versions.html",
        deliverable=deliverable,
        project=deliverable.project,
        versions=versions.history(deliverable, client=False),
    )


def _form_page(deliverable: Deliverable, error: str | None = None, status: int = 200):
    page = render_template(
        NEW,
        deliverable=deliverable,
        files=versions.current_files(deliverable.id),
        error=error,
        actions=request.form if request.method == "POST" else {},
    )
    return page, status


@bp.route("/deliverables/<int:deliverable_id>/versions/new", methods=["GET", "POST"])
def deliverables_new_version(deliverable_id: int):
    """Make version n+1: keep, replace or remove each current file, add files; the client's review starts again."""
    deliverable = load(Deliverable, deliverable_id)
    if request.method == "GET":
        return _form_page(deliverable)
    try:
        expected = int(request.form.get("expected", ""))
    except ValueError:
        return _form_page(deliverable, "This form is out of date; reload it.", 422)
    actions, replacements = {}, {}
    for key, value in request.form.items():
        if key.startswith("action-") and key[7:].isdigit():
            actions[int(key[7:])] = value
    for key, upload in request.files.items(multi=True):
        if key.startswith("replace-") and key[8:].isdigit() and upload and upload.filename:
            replacements[int(key[8:])] = (upload.filename, upload.stream)
    additions = [(f.filename, f.stream) for f in request.files.getlist("files") if f and f.filename]
    try:
        version = versions.new_version(
            deliverable,
            current_actor(),
            expected=expected,
            actions=actions,
            replacements=replacements,
            additions=additions,
            note=request.form.get("note"),
        )
    except versions.VersionConflict as exc:
        db.session.rollback()
        return _form_page(db.session.get(Deliverable, deliverable_id), exc.message, 409)
    except ServiceError as exc:
        db.session.rollback()
        return _form_page(deliverable, exc.message, 422)
    flash(f"Version {version.number} sent: the client’s review starts again.", "success")
    return redirect(url_for("dashboard.deliverable_versions", deliverable_id=deliverable_id), code=303)


@bp.get("/decisions/<int:decision_id>/certificate.pdf")
@limiter.limit(certificate.download_limit)
def decision_certificate(decision_id: int):
    """The certificate of a decision on a deliverable of this organization."""
    decision = db.get_or_404(Decision, decision_id)
    load(Deliverable, decision.deliverable_id)
    return certificate.download(decision)
