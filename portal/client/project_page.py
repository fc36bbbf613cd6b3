"""The client's project page and its blocks: which context each block needs, and one render that builds only the
blocks it renders. Route modules render the page through here and never build its context themselves."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property

from flask import g, url_for
from sqlalchemy import bindparam

from portal import htmx
from portal.client.forms import MapPinForm, MessageForm, UploadForm
from portal.client.shell import shell
from portal.client.visibility import badge_counts, shown_deliverable, uploads_allowed, visible_file
from portal.extensions import db
from portal.models import Deliverable, Project, StoredFile
from portal.models.project import PHASES, phase_index
from portal.services import messages, site_map

PAGE = "client/project.html"


@cache
def _statements() -> dict:
    project_id = bindparam("project_id")
    return {
        "deliverables": db.select(Deliverable)
        .where(Deliverable.project_id == project_id, shown_deliverable())
        .order_by(Deliverable.id),
        "files": db.select(
            StoredFile.id,
            StoredFile.filename,
            StoredFile.content_type,
            StoredFile.size,
            StoredFile.sha256,
            StoredFile.deliverable_id,
            StoredFile.uploaded_by_type,
            StoredFile.created_at,
        )
        .where(StoredFile.project_id == project_id, visible_file())
        .order_by(StoredFile.created_at, StoredFile.id),
    }


def read_deliverables(project_id: int) -> list:
    """The project's client-visible deliverables."""
    return db.session.execute(_statements()["deliverables"], {"project_id": project_id}).scalars().all()


def read_files(project_id: int) -> list:
    """The project's client-visible files, as light rows."""
    return db.session.execute(_statements()["files"], {"project_id": project_id}).all()


class Reads:
    """The rows one render of the page needs, each read at most once and only when a block asks for it."""

    def __init__(self, project: Project, given: dict):
        self.project = project
        self.given = given

    @cached_property
    def thread(self) -> tuple[list, str, int]:
        """The thread's messages, ETag and the client's read marker."""
        return messages.thread_view(self.project.id, g.portal.email)

    @cached_property
    def deliverables(self) -> list:
        """The client-visible deliverables."""
        return read_deliverables(self.project.id)

    @cached_property
    def files(self) -> list:
        """The client-visible files."""
        return read_files(self.project.id)

    @cached_property
    def files_by_deliverable(self) -> dict:
        """The files under their deliverable; a visible file of a hidden deliverable under None, with the others."""
        shown = {deliverable.id for deliverable in self.deliverables}
        grouped = defaultdict(list)
        for file in self.files:
            grouped[file.deliverable_id if file.deliverable_id in shown else None].append(file)
        return grouped


def _comments(reads: Reads) -> dict:
    return {"comments": messages.comments_by_subject(reads.thread[0]), "comment_errors": {}}


def _thread_messages(reads: Reads) -> dict:
    thread, etag, last_read = reads.thread
    return {"project": reads.project, "org": g.portal.org, "messages": thread, "last_read": last_read, "etag": etag}


def _thread(reads: Reads) -> dict:
    return {**_thread_messages(reads), "message_form": MessageForm(formdata=None)}


def _card(reads: Reads) -> dict:
    deliverable = reads.given["deliverable"]
    files = [file for file in reads.files if file.deliverable_id == deliverable.id]
    return {
        **_comments(reads),
        "files_by_deliverable": {deliverable.id: files},
        "shown_deliverables": {deliverable.id},
        "decision_errors": {},
        "ask_name": not g.portal.name,
    }


def _files(reads: Reads) -> dict:
    return {
        **_comments(reads),
        "project": reads.project,
        "org": g.portal.org,
        "loose_files": reads.files_by_deliverable.get(None, []),
        "shown_deliverables": {deliverable.id for deliverable in reads.deliverables},
        "allow_uploads": uploads_allowed(reads.project.id),
        "upload_form": UploadForm(formdata=None),
    }


MAP_VIEW = {
    "photo_endpoint": "portal.view",
    "overlay_endpoint": "portal.map_overlay",
    "site_action": None,
}


def _site_map(reads: Reads) -> dict:
    project = reads.project
    return {
        "project": project,
        "site_map": site_map.build(project, reads.thread[0], client=True),
        "map_view": {**MAP_VIEW, "pin_action": url_for("portal.map_pin", project_id=project.id)},
        "map_pin_form": MapPinForm(formdata=None),
        "site_form": None,
    }


def _badges(reads: Reads) -> dict:
    return {"counts": badge_counts(g.portal)}


@dataclass(frozen=True)
class Block:
    """A block of the page: the function building its context, and the names its caller must give."""

    context: Callable[[Reads], dict]
    given: tuple[str, ...] = ()


BLOCKS = {
    "deliverable_card": Block(_card, given=("deliverable",)),
    "files": Block(_files),
    "site_map": Block(_site_map),
    "thread": Block(_thread),
    "thread_messages": Block(_thread_messages),
    "badges": Block(_badges),
}


def page_context(reads: Reads) -> dict:
    """The whole page's own context (the shell adds the sidebar's)."""
    project = reads.project
    return {
        **_files(reads),
        **_thread(reads),
        **_site_map(reads),
        "phases": PHASES,
        "phase": phase_index(project.status, project.held_from),
        "deliverables": reads.deliverables,
        "files_by_deliverable": reads.files_by_deliverable,
        "decision_errors": {},
        "ask_name": not g.portal.name,
    }


def render(project: Project, block: str | None = None, *, oob=(), status_code: int = 200, **given):
    """The whole page, or for htmx only ``block`` and the ``oob`` blocks, each with just its own context;
    ``given`` carries what the caller knows (a form with errors, the deliverable of a card)."""
    reads = Reads(project, given)
    if block is None or not htmx.is_fragment_request():
        return shell(PAGE, block, oob=oob, status_code=status_code, **{**page_context(reads), **given})
    context: dict = {}
    for name in (block, *oob):
        context.update(BLOCKS[name].context(reads))
    return htmx.render(PAGE, block, oob=oob, status_code=status_code, **{**context, **given})
