"""The client's project page and its blocks: which context each block needs, and one render that builds only the
blocks it renders. Route modules render the page through here and never build its context themselves."""

from __future__ import annotations

from collections import defaultdict
from functools import cache, cached_property

from flask import g, url_for
from sqlalchemy import bindparam

from portal.blocks import BlockPage, Sources
from portal.client.forms import MessageForm, UploadForm
from portal.client.visibility import shown_deliverable, uploads_allowed
from portal.extensions import db
from portal.forms import MapPinForm
from portal.models import Deliverable, FileMedia, Project, StoredFile
from portal.models.file import client_visible_file
from portal.models.media import media_columns
from portal.models.project import PHASES, phase_index
from portal.services import media, messages, site_map, versions


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
            *media_columns(),
            *media.row_columns(),
        )
        .outerjoin(FileMedia, FileMedia.file_id == StoredFile.id)
        .where(StoredFile.project_id == project_id, client_visible_file(), StoredFile.superseded_at.is_(None))
        .order_by(StoredFile.created_at, StoredFile.id),
    }


def read_deliverables(project_id: int) -> list:
    """The project's client-visible deliverables."""
    return db.session.execute(_statements()["deliverables"], {"project_id": project_id}).scalars().all()


def read_files(project_id: int) -> list:
    """The project's client-visible files, as light rows."""
    return db.session.execute(_statements()["files"], {"project_id": project_id}).all()


class Reads(Sources):
    """The rows one render of the page needs, each read at most once and only when a block asks for it."""

    @property
    def project(self) -> Project:
        """The project the page shows."""
        return self.obj

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
    def new_file_ids(self) -> set[int]:
        """The files a deliverable's current version added or replaced."""
        return versions.new_file_ids(self.project.id)

    @cached_property
    def files_by_deliverable(self) -> dict:
        """The files under their deliverable; a visible file of a hidden deliverable under None, with the others."""
        shown = {deliverable.id for deliverable in self.deliverables}
        grouped = defaultdict(list)
        for file in self.files:
            grouped[file.deliverable_id if file.deliverable_id in shown else None].append(file)
        return grouped


def _comments(reads: Reads) -> dict:
    return {
        "comments": messages.comments_by_subject(reads.thread[0]),
        "comment_errors": reads.inputs.get("comment_errors") or {},
    }


def _thread_messages(reads: Reads) -> dict:
    thread, etag, last_read = reads.thread
    return {
        "project": reads.project,
        "org": g.portal.org,
        "messages": thread,
        "last_read": last_read,
        "etag": reads.inputs.get("etag") or etag,
    }


def _thread(reads: Reads) -> dict:
    return {**_thread_messages(reads), "message_form": reads.form("message_form", MessageForm)}


def _decisions(reads: Reads) -> dict:
    return {"decision_errors": reads.inputs.get("decision_errors") or {}, "ask_name": not g.portal.name}


def _card(reads: Reads) -> dict:
    deliverable = reads.inputs["deliverable"]
    files = [file for file in reads.files if file.deliverable_id == deliverable.id]
    return {
        **_comments(reads),
        **_decisions(reads),
        "deliverable": deliverable,
        "files_by_deliverable": {deliverable.id: files},
        "new_file_ids": reads.new_file_ids,
        "shown_deliverables": {deliverable.id},
    }


def _files(reads: Reads) -> dict:
    return {
        **_comments(reads),
        "project": reads.project,
        "org": g.portal.org,
        "loose_files": reads.files_by_deliverable.get(None, []),
        "shown_deliverables": {deliverable.id for deliverable in reads.deliverables},
        "allow_uploads": uploads_allowed(reads.project.id),
        "upload_form": reads.form("upload_form", UploadForm),
    }


MAP_VIEW = {
    "photo_endpoint": "portal.file_pins",
    "overlay_endpoint": "portal.map_overlay",
    "site_action": None,
}


def _site_map(reads: Reads) -> dict:
    project = reads.project
    return {
        "project": project,
        "site_map": site_map.build(project, reads.thread[0], client=True),
        "map_view": {**MAP_VIEW, "pin_action": url_for("portal.map_pin", project_id=project.id)},
        "map_pin_form": reads.form("map_pin_form", MapPinForm),
        "site_form": None,
    }


def _badges(reads: Reads) -> dict:
    # The counts come from the shell's lazy context processor, read only when this block renders.
    return {}


def _frame(reads: Reads) -> dict:
    project = reads.project
    return {
        **_decisions(reads),
        "project": project,
        "phases": PHASES,
        "phase": phase_index(project.status, project.held_from),
        "deliverables": reads.deliverables,
        "files_by_deliverable": reads.files_by_deliverable,
        "new_file_ids": reads.new_file_ids,
    }


PAGE = BlockPage(
    "client/project.html",
    Reads,
    _frame,
    {
        "deliverable_card": _card,
        "files": _files,
        "site_map": _site_map,
        "thread": _thread,
        "thread_messages": _thread_messages,
        "badges": _badges,
    },
    standalone=("deliverable_card",),
)


# The page's answers, as in BlockPage: render(obj, block, oob=...), invalid(obj, block) and done(obj, location, ...).
render, invalid, done = PAGE.answers()
