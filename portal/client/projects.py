"""The client's project page: stepper, deliverable review, files, comments and the live thread."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from functools import cache

from flask import (
    Response,
    abort,
    g,
    make_response,
    redirect,
    request,
    stream_with_context,
    url_for,
)
from sqlalchemy import bindparam

from portal.client import bp
from portal.client.access import (
    badge_counts,
    entry_is_alive,
    forget_session,
    load_deliverable,
    load_file,
    load_project,
    load_session,
    secret_hash,
    session_entry,
    visible_ids_statement,
)
from portal.client.forms import DecisionForm, MessageForm, UploadForm
from portal.client.pages import shell
from portal.downloads import content_disposition, stream_file, thumbnail, zip_stream
from portal.extensions import db, limiter
from portal.htmx import confirm, is_fragment_request, render
from portal.models import ClientSession, Deliverable, Message, PortalLink, Project, StoredFile
from portal.models.activity import ACTOR_CLIENT
from portal.models.file import UPLOADED_BY_CLIENT
from portal.models.project import PHASES, phase_index
from portal.services import decisions, messages
from portal.services import files as file_service
from portal.services.activity import Actor
from portal.services.errors import ServiceError

PAGE = "client/project.html"
DECIDED = {
    "approved": "You approved “{title}”. Thank you!",
    "revision_requested": "You asked for a revision of “{title}”. Your reason is in the messages below.",
    "rejected": "You rejected “{title}”. Your reason was sent to {org}.",
}


def client_actor() -> Actor:
    """The client of this session as an Activity actor."""
    return Actor(
        ACTOR_CLIENT, g.portal.email, ip=request.remote_addr, user_agent=(request.user_agent.string or "")[:400] or None
    )


@cache
def _deliverables_statement():
    return (
        db.select(Deliverable)
        .where(
            Deliverable.project_id == bindparam("project_id"),
            Deliverable.client_visible.is_(True),
            Deliverable.archived_at.is_(None),
        )
        .order_by(Deliverable.id)
    )


def _deliverables(project_id: int) -> list:
    return db.session.execute(_deliverables_statement(), {"project_id": project_id}).scalars().all()


@cache
def _files_statement():
    return (
        db.select(
            StoredFile.id,
            StoredFile.filename,
            StoredFile.content_type,
            StoredFile.size,
            StoredFile.sha256,
            StoredFile.deliverable_id,
            StoredFile.uploaded_by_type,
            StoredFile.created_at,
        )
        .where(StoredFile.project_id == bindparam("project_id"), StoredFile.client_visible.is_(True))
        .order_by(StoredFile.created_at, StoredFile.id)
    )


def _files(project_id: int) -> list:
    return db.session.execute(_files_statement(), {"project_id": project_id}).all()


def project_context(project: Project, **overrides) -> dict:
    """Everything the project page and its blocks need, in a fixed number of queries."""
    thread, etag, last_read = messages.thread_view(project.id, g.portal.email)
    files = _files(project.id)
    deliverables = _deliverables(project.id)
    shown = {deliverable.id for deliverable in deliverables}
    files_by_deliverable = defaultdict(list)
    for file in files:
        # A visible file of a hidden deliverable is listed with the other files.
        files_by_deliverable[file.deliverable_id if file.deliverable_id in shown else None].append(file)
    context = {
        "project": project,
        "phases": PHASES,
        "phase": phase_index(project.status, project.held_from),
        "deliverables": deliverables,
        "files_by_deliverable": files_by_deliverable,
        "loose_files": files_by_deliverable.get(None, []),
        "shown_deliverables": shown,
        "comments": messages.comments_by_subject(thread),
        "messages": thread,
        "last_read": last_read,
        "etag": etag,
        "message_form": MessageForm(formdata=None),
        "decision_form": DecisionForm(formdata=None),
        "decision_errors": {},
        "upload_form": UploadForm(formdata=None),
        "allow_uploads": g.portal.link.allow_uploads,
        "comment_errors": {},
    }
    context.update(overrides)
    return context


def _respond(project: Project, block: str, *, oob=("badges",), status_code: int = 200, **overrides):
    """The block for htmx (with the badges out of band), or the whole page."""
    context = project_context(project, **overrides)
    return shell(PAGE, block=block, oob=oob, status_code=status_code, **context)


@bp.get("/portal/<slug>/projects/<int:project_id>")
def project_page(project_id: int):
    """The project: phase, deliverables to review, files and messages."""
    project = load_project(project_id)
    return shell(PAGE, **project_context(project))


@cache
def _poll_statement():
    """The one query of a thread poll, built once: the session's row and link, the project's visibility, the
    thread's state."""
    project_id = bindparam("project_id")
    visible = db.select(Project.id).where(Project.id == project_id, Project.id.in_(visible_ids_statement())).exists()
    shown = db.and_(Message.project_id == project_id, messages.client_visible_message())
    return (
        db.select(
            ClientSession,
            PortalLink.client_email,
            PortalLink.revoked_at,
            PortalLink.expires_at,
            PortalLink.access_code_version,
            visible.label("visible"),
            db.select(db.func.max(Message.id)).where(shown).scalar_subquery().label("latest"),
            db.select(db.func.count(Message.id)).where(shown).scalar_subquery().label("total"),
        )
        .join(PortalLink, PortalLink.id == ClientSession.link_id)
        .where(
            ClientSession.id == bindparam("v_session"),
            ClientSession.secret_hash == bindparam("secret_hash"),
            ClientSession.org_id == bindparam("v_org"),
        )
    )


@bp.get("/portal/<slug>/projects/<int:project_id>/thread")
@limiter.exempt
def thread(project_id: int):
    """The thread's messages for polling: one query re-checks the session and its link, and answers 304 if
    unchanged."""
    found = session_entry(g.portal_slug)
    if found is None:
        abort(404)
    org_id, entry = found
    email = entry.get("e")
    row = db.session.execute(
        _poll_statement(),
        {
            "v_session": entry.get("i"),
            "secret_hash": secret_hash(entry),
            "v_org": org_id,
            "v_email": email,
            "v_now": datetime.now(UTC),
            "project_id": project_id,
        },
    ).one_or_none()
    if row is None or not entry_is_alive(
        entry,
        session=row.ClientSession,
        client_email=row.client_email,
        revoked_at=row.revoked_at,
        expires_at=row.expires_at,
        code_version=row.access_code_version,
    ):
        forget_session(org_id)
        abort(404)
    if not row.visible:
        abort(404)
    etag = f'W/"t{project_id}-{row.latest or 0}-{row.total}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = Response(status=304)
        response.headers["ETag"] = etag
        response.vary.add("HX-Request")
        return response
    if not is_fragment_request():
        return redirect(url_for("portal.project_page", project_id=project_id, _anchor="thread"))
    load_session(g.portal_slug)
    project = load_project(project_id)
    thread_rows, _etag, last_read = messages.thread_view(project.id, email)
    response = shell(
        PAGE, "thread_messages", oob=("badges",), project=project, messages=thread_rows, last_read=last_read, etag=etag
    )
    response.headers["ETag"] = etag
    return response


@bp.post("/portal/<slug>/projects/<int:project_id>/read")
def mark_read(project_id: int):
    """Remember how far the client has read the thread (htmx sends this when messages are shown)."""
    project = load_project(project_id)
    up_to = request.form.get("up_to", type=int) or 0
    messages.mark_read(project.id, g.portal.email, up_to)
    if is_fragment_request():
        g.pop("portal_counts", None)
        return render("client/_badges_oob.html", counts=badge_counts(g.portal))
    return redirect(url_for("portal.project_page", project_id=project.id, _anchor="thread"), code=303)


@bp.post("/portal/<slug>/projects/<int:project_id>/messages")
def post_message(project_id: int):
    """Post the client's message to the thread."""
    project = load_project(project_id)
    form = MessageForm()
    if form.validate_on_submit():
        try:
            messages.post_client_message(project, client_actor(), g.portal.link.client_name, form.body.data)
        except ServiceError as exc:
            db.session.rollback()
            form.body.errors = [*form.body.errors, exc.message]
        else:
            if is_fragment_request():
                return confirm(_respond(project, "thread"), "Message sent.")
            return confirm(
                redirect(url_for("portal.project_page", project_id=project.id, _anchor="thread"), code=303),
                "Message sent.",
            )
    return _respond(project, "thread", status_code=200 if is_fragment_request() else 422, message_form=form)


@bp.post("/portal/<slug>/deliverables/<int:deliverable_id>/decide")
def decide(deliverable_id: int):
    """Approve, request a revision or reject the deliverable (one decision wins)."""
    deliverable = load_deliverable(deliverable_id)
    project = deliverable.project
    form = DecisionForm()
    status_code = 200
    error = None
    if not form.validate_on_submit():
        error = " ".join(form.reason.errors) or "Choose approve, request a revision, or reject."
        status_code = 422
    else:
        try:
            decisions.decide_deliverable(
                deliverable,
                client_actor(),
                decision=form.decision.data,
                version=form.version.data,
                reason=form.reason.data,
                name=g.portal.link.client_name,
            )
        except decisions.AlreadyDecided as exc:
            error, status_code = exc.message, 409
        except ServiceError as exc:
            db.session.rollback()
            error, status_code = exc.message, 422
    if error is None:
        message = DECIDED[form.decision.data].format(title=deliverable.title, org=g.portal.org.name)
        if is_fragment_request():
            response = _respond(project, "deliverable_card", oob=("badges", "thread_messages"), deliverable=deliverable)
            return confirm(response, message)
        return confirm(
            redirect(
                url_for("portal.project_page", project_id=project.id, _anchor=f"deliverable-{deliverable.id}"),
                code=303,
            ),
            message,
        )
    if is_fragment_request():
        status_code = 200  # htmx swaps only 2xx: the card itself carries the message
    errors = {deliverable.id: {"message": error, "decision": form.decision.data, "reason": form.reason.data}}
    block = "deliverable_card" if is_fragment_request() else None
    return _respond(project, block, status_code=status_code, deliverable=deliverable, decision_errors=errors)


@bp.post("/portal/<slug>/deliverables/<int:deliverable_id>/comments")
def comment_deliverable(deliverable_id: int):
    """Comment on a deliverable: shown on its card and in the thread."""
    deliverable = load_deliverable(deliverable_id)
    return _comment(
        deliverable.project,
        "deliverable_card",
        {"deliverable_id": deliverable.id},
        f"deliverable-{deliverable.id}",
        ("d", deliverable.id),
        deliverable=deliverable,
    )


@bp.post("/portal/<slug>/files/<int:file_id>/comments")
def comment_file(file_id: int):
    """Comment on a file: shown beside it and in the thread."""
    file = load_file(file_id)
    project = db.session.get(Project, file.project_id)
    deliverable = db.session.get(Deliverable, file.deliverable_id) if file.deliverable_id else None
    if deliverable is not None and deliverable.client_visible:
        return _comment(
            project,
            "deliverable_card",
            {"file_id": file.id},
            f"file-{file.id}",
            ("f", file.id),
            deliverable=deliverable,
        )
    return _comment(project, "files", {"file_id": file.id}, f"file-{file.id}", ("f", file.id))


def _comment(project: Project, block: str, subject: dict, anchor: str, key: tuple, **extra):
    form = MessageForm()
    error = None
    if form.validate_on_submit():
        try:
            messages.post_client_message(project, client_actor(), g.portal.link.client_name, form.body.data, **subject)
        except ServiceError as exc:
            db.session.rollback()
            error = exc.message
    else:
        error = " ".join(form.body.errors) or "Write a comment first."
    if error is None and not is_fragment_request():
        return confirm(
            redirect(url_for("portal.project_page", project_id=project.id, _anchor=anchor), code=303), "Comment posted."
        )
    status_code = 200 if is_fragment_request() or error is None else 422
    response = _respond(
        project,
        block if is_fragment_request() else None,
        oob=("badges", "thread_messages"),
        status_code=status_code,
        comment_errors={key: error} if error else {},
        **extra,
    )
    return response if error else confirm(response, "Comment posted.")


@bp.post("/portal/<slug>/projects/<int:project_id>/files")
def upload(project_id: int):
    """The client sends files to the operator, when their link allows it."""
    project = load_project(project_id)
    if not g.portal.link.allow_uploads:
        abort(404)
    form = UploadForm()
    if form.validate_on_submit():
        uploads = [(f.filename, f.stream) for f in request.files.getlist("files") if f and f.filename]
        try:
            file_service.upload_files(
                project, client_actor(), uploads, client_visible=True, uploaded_by_type=UPLOADED_BY_CLIENT
            )
        except ServiceError as exc:
            db.session.rollback()
            form.files.errors = [*form.files.errors, exc.message]
        else:
            if is_fragment_request():
                return _respond(project, "files")
            return redirect(url_for("portal.project_page", project_id=project.id, _anchor="files"), code=303)
    return _respond(
        project,
        "files" if is_fragment_request() else None,
        status_code=200 if is_fragment_request() else 422,
        upload_form=form,
    )


@bp.get("/portal/<slug>/files/<int:file_id>")
def download(file_id: int):
    """Download a file (streamed, with byte ranges)."""
    file = load_file(file_id)
    # A download resumed with a range is the same download: audit only the first request.
    if not request.headers.get("Range", "").startswith("bytes=") or request.headers["Range"].startswith("bytes=0-"):
        file_service.record_download(g.portal.org.id, client_actor(), file=file)
    return stream_file(file, allow_inline=False)


@bp.get("/portal/<slug>/files/<int:file_id>/view")
def view(file_id: int):
    """Show an image, PDF or video in the browser (ranges let a long video seek); other types download."""
    file = load_file(file_id)
    return stream_file(file, allow_inline=True)


@bp.get("/portal/<slug>/files/<int:file_id>/thumb")
def thumb(file_id: int):
    """A small JPEG preview of an image."""
    file = load_file(file_id)
    data = thumbnail(file) if file.content_type.startswith("image/") else None
    if data is None:
        abort(404)
    response = make_response(data)
    response.mimetype = "image/jpeg"
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.get("/portal/<slug>/deliverables/<int:deliverable_id>/zip")
def download_all(deliverable_id: int):
    """Every visible file of a deliverable as one ZIP with a SHA-256 manifest, streamed."""
    deliverable = load_deliverable(deliverable_id)
    files = (
        db.session.execute(
            db.select(StoredFile)
            .where(StoredFile.deliverable_id == deliverable.id, StoredFile.client_visible.is_(True))
            .order_by(StoredFile.id)
        )
        .scalars()
        .all()
    )
    if not files:
        abort(404)
    file_service.record_download(g.portal.org.id, client_actor(), deliverable=deliverable)
    response = Response(stream_with_context(zip_stream(list(files))), mimetype="application/zip")
    response.headers["Content-Disposition"] = content_disposition(
        f"{deliverable.title} v{deliverable.version}.zip", inline=False
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
