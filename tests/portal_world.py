"""A project shared with a client through the portal, with deliverables, files and messages."""

from __future__ import annotations

import io
from dataclasses import dataclass

from portal.extensions import db
from portal.models import Deliverable, Message, Organization, PortalLink, Project, StoredFile
from portal.storage import get_storage, new_key
from tests.factories import make_client, make_deliverable, make_link, make_org, make_project
from tests.samples import png_bytes


class InPortal:
    """A test world whose organization's portal answers at /portal/<slug>."""

    slug: str

    def url(self, path: str) -> str:
        """A token-free portal URL of this organization."""
        return f"/portal/{self.slug}{path}"


@dataclass
class World(InPortal):
    """What a portal test needs: the org, the project, its deliverables and files, and a browser inside."""

    org: Organization
    project: Project
    link: PortalLink
    token: str
    review: Deliverable
    hidden: Deliverable
    image: StoredFile
    html: StoredFile
    secret_file: StoredFile
    browser: object

    @property
    def slug(self) -> str:
        """The organization's slug."""
        return self.org.slug


def store(
    project: Project, name: str, content: bytes, content_type: str, deliverable=None, visible: bool = True
) -> StoredFile:
    """A file of the project, really stored."""
    saved = get_storage().save(io.BytesIO(content), new_key(f"org/{project.org_id}/project/{project.id}"), content_type)
    file = StoredFile(
        project_id=project.id,
        deliverable_id=deliverable.id if deliverable else None,
        filename=name,
        content_type=content_type,
        size=saved.size,
        sha256=saved.sha256,
        storage_key=saved.key,
        client_visible=visible,
    )
    db.session.add(file)
    db.session.commit()
    return file


def make_world(app, *, slug: str = "acme", status: str = "delivered", allow_uploads: bool = False) -> World:
    """Build the world and open a portal session for the client."""
    org = make_org("Acme Drones", slug=slug)
    customer = make_client(org, email="client@example.com", name="Casey Client")
    project = make_project(org, customer, name="Harbour shoot", status=status)
    review = make_deliverable(project, title="Stills", client_visible=True, status="ready", version=1)
    hidden = make_deliverable(project, title="SECRET-DRAFT", client_visible=False, status="in_progress")
    image = store(project, "pier.png", png_bytes((640, 400)), "image/png", review)
    html = store(project, "page.html", b"<html><script>alert(1)</script></html>", "text/html")
    secret_file = store(project, "SECRET-FILE.png", png_bytes(), "image/png", visible=False)
    db.session.add(Message(project_id=project.id, sender_type="operator", sender_name="Op", body="Stills are ready"))
    db.session.commit()
    link, token = make_link(org, customer, project, allow_uploads=allow_uploads, name="Casey Client")
    browser = app.test_client()
    assert browser.post(f"/p/{token}").status_code == 303
    return World(org, project, link, token, review, hidden, image, html, secret_file, browser)
