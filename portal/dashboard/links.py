"""Dashboard: portal links of a project (or client-wide links of a client)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import g, request, url_for

from portal.dashboard import bp
from portal.dashboard.confirm import ask_first
from portal.dashboard.guard import current_actor
from portal.dashboard.link_forms import LinkForm, RotateCodeForm
from portal.dashboard.loaders import load
from portal.extensions import db
from portal.htmx import done, invalid, render
from portal.models import Client, PortalLink, Project
from portal.services import portal_links
from portal.services.errors import ServiceError
from portal.urls import shown_url_for

PROJECT_PAGE = "dashboard/projects/show.html"
CLIENT_PAGE = "dashboard/clients/show.html"


def link_url(link: PortalLink) -> str:
    """The absolute URL of a link, derived again from its nonce."""
    return shown_url_for("portal.entry", token=portal_links.link_token(link))


def link_state(link: PortalLink, now: datetime) -> str:
    """Active, expired, revoked or locked, for the operator's list."""
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at is not None and link.expires_at <= now:
        return "expired"
    if link.code_locked or (link.locked_until is not None and link.locked_until > now):
        return "locked"
    return "active"


def links_context(
    *,
    project: Project | None = None,
    client: Client | None = None,
    form: LinkForm | None = None,
    revealed: dict | None = None,
) -> dict:
    """What the links block needs: rows with their URL and state, the form, and a code shown once."""
    owner_client = client or project.client
    links = portal_links.links_for(
        g.org.id, project_id=project.id if project else None, client_id=None if project else client.id
    )
    now = datetime.now(UTC)
    if form is None:
        form = LinkForm(formdata=None, email=owner_client.email, name=owner_client.name)
    return {
        "links": [{"link": link, "url": link_url(link), "state": link_state(link, now)} for link in links],
        "link_form": form,
        "revealed": revealed,
        "link_scope_project": project,
        "link_scope_client": owner_client,
    }


def _page_for(link: PortalLink, **overrides) -> tuple[str, dict]:
    if link.project_id is not None:
        from portal.dashboard.projects import project_page_context

        project = db.session.get(Project, link.project_id)
        return PROJECT_PAGE, project_page_context(project, **links_context(project=project, **overrides))
    from portal.dashboard.clients import client_page_context

    client = db.session.get(Client, link.client_id)
    return CLIENT_PAGE, client_page_context(client, **links_context(client=client, **overrides))


def _create(project: Project | None, client: Client, template: str, context_fn):
    form = LinkForm()
    if form.validate_on_submit():
        try:
            created = portal_links.create_link(
                g.org.id,
                current_actor(),
                client=client,
                project=project,
                email=form.email.data,
                name=form.name.data,
                code_mode=form.code_mode.data,
                typed_code=form.access_code.data,
                expires_in_days=form.expires_in_days.data,
                notify_email=form.notify_email.data,
                allow_uploads=form.allow_uploads.data,
                require_email_verification=form.require_email_verification.data,
                send_invitation=form.send_invitation.data,
            )
        except ServiceError as exc:
            db.session.rollback()
            field = form.access_code if exc.field == "access_code" else getattr(form, exc.field, form.email)
            field.errors = [*field.errors, exc.message]
        else:
            revealed = {
                "link_id": created.link.id,
                "url": link_url(created.link),
                "code": created.code,
                "invited": form.send_invitation.data,
                "email": created.link.client_email,
            }
            scope = {"project": project} if project else {"client": client}
            # The code is shown once: answer with the page (or block) itself, never a redirect that would lose it.
            return render(template, "links", **context_fn(**links_context(**scope, revealed=revealed)))
    scope = {"project": project} if project else {"client": client}
    return invalid(template, "links", **context_fn(**links_context(**scope, form=form)))


@bp.post("/projects/<int:project_id>/links")
def links_create_for_project(project_id: int):
    """Create a portal link to this project."""
    from portal.dashboard.projects import project_page_context

    project = load(Project, project_id)
    return _create(project, project.client, PROJECT_PAGE, lambda **extra: project_page_context(project, **extra))


@bp.post("/clients/<int:client_id>/links")
def links_create_for_client(client_id: int):
    """Create a client-wide link covering all of this client's projects."""
    from portal.dashboard.clients import client_page_context

    client = load(Client, client_id)
    return _create(None, client, CLIENT_PAGE, lambda **extra: client_page_context(client, **extra))


def _anchor_url(link: PortalLink) -> str:
    if link.project_id is not None:
        return url_for("dashboard.projects_show", project_id=link.project_id, _anchor="portal-links")
    return url_for("dashboard.clients_show", client_id=link.client_id, _anchor="portal-links")


def _toggle(link_id: int, option: str, label: str):
    link = load(PortalLink, link_id)
    on = request.form.get(option) == "1"
    portal_links.set_option(link, current_actor(), option, on)
    template, context = _page_for(link)
    return done(
        _anchor_url(link),
        f"{label} {'on' if on else 'off'} for {link.client_email}.",
        template=template,
        block="links",
        **context,
    )


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
        template, context = _page_for(link, revealed={"link_id": link.id, "error": exc.message})
        return invalid(template, "links", **context)
    template, context = _page_for(link)
    return done(_anchor_url(link), f"Link emailed to {link.client_email}.", template=template, block="links", **context)


@bp.post("/links/<int:link_id>/rotate")
def links_rotate(link_id: int):
    """Set a new access code (shown once) and unlock the link."""
    link = load(PortalLink, link_id)
    form = RotateCodeForm()
    if not form.validate_on_submit():
        template, context = _page_for(link)
        return invalid(template, "links", **context)
    replace = "Replace the access code" if link.access_code_hash else "Add an access code"
    question = f"{replace} for {link.client_email}? Their open sessions end; the link keeps working with the new code."
    if (asked := ask_first(question, back=_anchor_url(link), label=replace)) is not None:
        return asked
    try:
        code = portal_links.rotate_code(link, current_actor(), form.access_code.data or None)
    except ServiceError as exc:
        db.session.rollback()
        template, context = _page_for(link, revealed={"link_id": link.id, "error": exc.message})
        return invalid(template, "links", **context)
    template, context = _page_for(link, revealed={"link_id": link.id, "url": link_url(link), "code": code})
    return render(template, "links", **context)


@bp.post("/links/<int:link_id>/revoke")
def links_revoke(link_id: int):
    """Revoke the link at once."""
    link = load(PortalLink, link_id)
    portal_links.revoke(link, current_actor())
    template, context = _page_for(link)
    return done(_anchor_url(link), f"Link of {link.client_email} revoked.", template=template, block="links", **context)
