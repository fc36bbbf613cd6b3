"""Dashboard: portal links of a project (or client-wide links of a client)."""

from __future__ import annotations

from flask import g, request, url_for

from portal.dashboard import bp, client_page, project_page
from portal.dashboard.confirm import ask_first
from portal.dashboard.guard import current_actor
from portal.dashboard.link_forms import LinkForm, RotateCodeForm
from portal.dashboard.links_block import link_url
from portal.dashboard.loaders import load
from portal.extensions import db
from portal.forms import form_values, show_refusal
from portal.models import Client, PortalLink, Project
from portal.services import portal_links
from portal.services.errors import ServiceError


def _page_of(link: PortalLink):
    """The page that shows the link's block (the project's, or its client's for a client-wide link) and its object."""
    if link.project_id is not None:
        return project_page, db.session.get(Project, link.project_id)
    return client_page, db.session.get(Client, link.client_id)


# The link form's fields the service takes under the same names (the typed code is its ``typed_code``).
LINK_FIELDS = (
    "email",
    "name",
    "code_mode",
    "expires_in_days",
    "notify_email",
    "allow_uploads",
    "require_email_verification",
    "send_invitation",
)


def _create(project: Project | None, client: Client, page):
    owner = project or client
    form = LinkForm()
    if form.validate_on_submit():
        try:
            created = portal_links.create_link(
                g.org.id,
                current_actor(),
                client=client,
                project=project,
                typed_code=form.access_code.data,
                **form_values(form, *LINK_FIELDS),
            )
        except ServiceError as exc:
            show_refusal(form, exc, form.email)
        else:
            revealed = {
                "link_id": created.link.id,
                "url": link_url(created.link),
                "code": created.code,
                "invited": form.send_invitation.data,
                "email": created.link.client_email,
            }
            # The code is shown once: answer with the page (or block) itself, never a redirect that would lose it.
            return page.render(owner, "links", revealed=revealed)
    return page.invalid(owner, "links", link_form=form)


@bp.post("/projects/<int:project_id>/links")
def links_create_for_project(project_id: int):
    """Create a portal link to this project."""
    project = load(Project, project_id)
    return _create(project, project.client, project_page)


@bp.post("/clients/<int:client_id>/links")
def links_create_for_client(client_id: int):
    """Create a client-wide link covering all of this client's projects."""
    return _create(None, load(Client, client_id), client_page)


def _anchor_url(link: PortalLink) -> str:
    if link.project_id is not None:
        return url_for("dashboard.projects_show", project_id=link.project_id, _anchor="portal-links")
    return url_for("dashboard.clients_show", client_id=link.client_id, _anchor="portal-links")


def _toggle(link_id: int, option: str, label: str):
    link = load(PortalLink, link_id)
    on = request.form.get(option) == "1"
    portal_links.set_option(link, current_actor(), option, on)
    page, owner = _page_of(link)
    return page.done(owner, _anchor_url(link), f"{label} {'on' if on else 'off'} for {link.client_email}.", "links")


@bp.post("/links/<int:link_id>/notify")
def links_notify(link_id: int):
    """Turn the link's email notifications on or off."""
    return _toggle(link_id, "notify_email", "Notifications")


@bp.post("/links/<int:link_id>/uploads")
def links_uploads(link_id: int):
    """Allow or forbid client uploads through the link."""
    return _toggle(link_id, "allow_uploads", "Uploads")


@bp.post("/links/<int:link_id>/verification")
def links_verification(link_id: int):
    """Require (or stop requiring) a code emailed to the link's address."""
    return _toggle(link_id, "require_email_verification", "Email verification")


@bp.post("/links/<int:link_id>/invite")
def links_invite(link_id: int):
    """Email the link to its client again."""
    link = load(PortalLink, link_id)
    try:
        portal_links.send_invitation(link, current_actor())
    except ServiceError as exc:
        db.session.rollback()
        page, owner = _page_of(link)
        return page.invalid(owner, "links", revealed={"link_id": link.id, "error": exc.message})
    page, owner = _page_of(link)
    return page.done(owner, _anchor_url(link), f"Link emailed to {link.client_email}.", "links")


@bp.post("/links/<int:link_id>/rotate")
def links_rotate(link_id: int):
    """Set a new access code (shown once) and unlock the link."""
    link = load(PortalLink, link_id)
    form = RotateCodeForm()
    page, owner = _page_of(link)
    if not form.validate_on_submit():
        return page.invalid(owner, "links")
    replace = "Replace the access code" if link.access_code_hash else "Add an access code"
    question = f"{replace} for {link.client_email}? Their open sessions end; the link keeps working with the new code."
    if (asked := ask_first(question, back=_anchor_url(link), label=replace)) is not None:
        return asked
    try:
        code = portal_links.rotate_code(link, current_actor(), form.access_code.data or None)
    except ServiceError as exc:
        db.session.rollback()
        return page.invalid(owner, "links", revealed={"link_id": link.id, "error": exc.message})
    return page.render(owner, "links", revealed={"link_id": link.id, "url": link_url(link), "code": code})


@bp.post("/links/<int:link_id>/revoke")
def links_revoke(link_id: int):
    """Revoke the link at once."""
    link = load(PortalLink, link_id)
    portal_links.revoke(link, current_actor())
    page, owner = _page_of(link)
    return page.done(owner, _anchor_url(link), f"Link of {link.client_email} revoked.", "links")
