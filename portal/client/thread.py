"""The client's project page and its live message thread."""

from __future__ import annotations

from flask import abort, g, redirect, request, url_for

from portal import thread_posts
from portal.blocks import fragment, partial
from portal.client import bp, project_page
from portal.client.forms import MessageForm
from portal.client.limits import posts_limited
from portal.client.loaders import load_project
from portal.client.poll import poll_params, poll_statement, row_is_alive, thread_etag
from portal.client.session import client_actor, code_was_replaced, forget_session, load_session, session_entry
from portal.extensions import db, limiter
from portal.htmx import not_modified
from portal.services import messages


@bp.get("/portal/<slug>/projects/<int:project_id>", endpoint="project_page")
def show_project(project_id: int):
    """The project: phase, deliverables to review, files and messages."""
    return project_page.render(load_project(project_id))


@bp.get("/portal/<slug>/projects/<int:project_id>/thread")
@limiter.exempt
def thread(project_id: int):
    """The thread's messages for polling: one query re-checks the session and its link, and answers 304 if
    unchanged."""
    found = session_entry(g.portal_slug)
    if found is None:
        abort(404)
    org_id, entry = found
    row = db.session.execute(poll_statement(), poll_params(org_id, entry, project_id)).one_or_none()
    if row is None or not row_is_alive(entry, row):
        replaced = row is not None and code_was_replaced(
            session=row,
            revoked_at=row.revoked_at,
            expires_at=row.expires_at,
            code_version=row.access_code_version,
        )
        if not replaced:  # kept, so the page the poll reloads to says why
            forget_session(org_id)
        abort(404)
    if not row.visible:
        abort(404)
    etag = thread_etag(project_id, row)
    unchanged = not_modified(etag)
    if unchanged is not None:
        return unchanged
    if not fragment():
        return redirect(url_for("portal.project_page", project_id=project_id, _anchor="thread"))
    load_session(g.portal_slug)
    response = project_page.render(load_project(project_id), "thread_messages", oob=("badges",), etag=etag)
    response.headers["ETag"] = etag
    return response


@bp.post("/portal/<slug>/projects/<int:project_id>/read")
def mark_read(project_id: int):
    """Remember how far the client has read the thread (htmx sends this when messages are shown)."""
    project = load_project(project_id)
    up_to = request.form.get("up_to", type=int) or 0
    messages.mark_read(project.id, g.portal.email, up_to)
    g.pop("portal_counts", None)  # the unread badge changed: the sidebar's counts are read afresh
    return partial(url_for("portal.project_page", project_id=project.id, _anchor="thread"), "client/_badges_oob.html")


@bp.post("/portal/<slug>/projects/<int:project_id>/messages")
@posts_limited
def post_message(project_id: int):
    """Post the client's message to the thread."""
    project = load_project(project_id)
    return thread_posts.post_message(
        project,
        project_page.PAGE,
        MessageForm(),
        lambda body: messages.post_client_message(project, client_actor(), g.portal.link.client_name, body),
        url_for("portal.project_page", project_id=project.id, _anchor="thread"),
        "Message sent.",
        oob=("badges",),
        refused_oob=("badges",),
    )
