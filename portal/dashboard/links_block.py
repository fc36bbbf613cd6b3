"""The portal links block, shown on the project page and (client-wide links) on the client page."""

from __future__ import annotations

from datetime import UTC, datetime

from portal.dashboard.link_forms import LinkForm
from portal.models import Client, PortalLink, Project
from portal.models.portal_link import ACTIVE, EXPIRED, LOCKED, REVOKED
from portal.services import portal_links
from portal.urls import shown_url_for


def link_url(link: PortalLink) -> str:
    """The absolute URL of a link, derived again from its nonce."""
    return shown_url_for("portal.entry", token=portal_links.link_token(link))


def link_state(link: PortalLink, now: datetime) -> str:
    """Active, expired, revoked or locked, for the operator's list."""
    if link.revoked_at is not None:
        return REVOKED
    if link.expires_at is not None and link.expires_at <= now:
        return EXPIRED
    if link.code_locked or (link.locked_until is not None and link.locked_until > now):
        return LOCKED
    return ACTIVE


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
        owner_client.org_id, project_id=project.id if project else None, client_id=None if project else client.id
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
