"""The operator's project page: its blocks, the one function that builds each block's context, and rendering."""

from __future__ import annotations

from functools import cached_property

from flask import url_for

from portal.blocks import BlockPage, Sources
from portal.dashboard.file_forms import MessageForm, UploadForm
from portal.dashboard.links_block import links_context
from portal.dashboard.project_forms import DeliverableForm, SitePositionForm, StatusForm
from portal.extensions import db
from portal.forms import MapPinForm
from portal.models import Organization, Project
from portal.models.project import STATUS_LABELS
from portal.services import deliverables as deliverable_service
from portal.services import files as file_service
from portal.services import messages as message_service
from portal.services import multipart_uploads, organizations
from portal.services import projects as project_service
from portal.services import site_map as site_map_service

SHOW = "dashboard/projects/show.html"


class ProjectSources(Sources):
    """The project and what its blocks share, each loaded at most once per response."""

    @property
    def project(self) -> Project:
        """The project the page shows."""
        return self.obj

    @cached_property
    def thread(self) -> list:
        """The latest messages of the thread."""
        return message_service.project_thread(self.project.id)

    @cached_property
    def comments(self) -> dict:
        """Comments on deliverables and files, from the same thread rows."""
        return message_service.comments_by_subject(self.thread)

    @cached_property
    def deliverables(self) -> list:
        """The project's deliverables in creation order."""
        return deliverable_service.project_deliverables(self.project.id)

    @property
    def comment_error(self) -> dict:
        """A rejected comment's message, keyed by the anchor of what it was about."""
        return self.inputs.get("comment_error") or {}


def _frame(page: ProjectSources) -> dict:
    return {"project": page.project, "client": page.project.client}


def _status_card(page: ProjectSources) -> dict:
    return {
        "project": page.project,
        "status_labels": STATUS_LABELS,
        "status_form": page.form("status_form", StatusForm),
    }


def _deliverable_list(page: ProjectSources) -> dict:
    return {"deliverables": page.deliverables, "comments": page.comments, "comment_error": page.comment_error}


def _deliverables(page: ProjectSources) -> dict:
    return {
        **_deliverable_list(page),
        "project": page.project,
        "deliverable_form": page.form("deliverable_form", DeliverableForm),
    }


def _deliverable_card(page: ProjectSources) -> dict:
    return {"deliverable": page.inputs["deliverable"], "comments": page.comments, "comment_error": page.comment_error}


def _links(page: ProjectSources) -> dict:
    return links_context(project=page.project, form=page.inputs.get("link_form"), revealed=page.inputs.get("revealed"))


def _files(page: ProjectSources) -> dict:
    choices = [(0, "None")] + [(d.id, d.title) for d in page.deliverables]
    upload_form = page.form("upload_form", UploadForm)
    upload_form.deliverable_id.choices = choices
    # Uploads before files: the upload job commits the file and its upload's "ready" together, so reading the
    # uploads first shows a finishing upload either as still checking (and the block polls on) or as a file.
    # The other order could read "no file yet", then "upload done", and show neither, with nothing left to poll.
    uploads = multipart_uploads.project_uploads(page.project.id)
    return {
        "project": page.project,
        "files": file_service.list_project_files(page.project.id),
        "uploads": uploads,
        "upload_form": upload_form,
        "deliverable_choices": choices,
        "upload_limit": organizations.file_limit(db.session.get(Organization, page.project.org_id)),
        "comments": page.comments,
        "comment_error": page.comment_error,
    }


def _thread_messages(page: ProjectSources) -> dict:
    return {"messages": page.thread}


def _thread(page: ProjectSources) -> dict:
    return {**_thread_messages(page), "project": page.project, "message_form": page.form("message_form", MessageForm)}


def _site_map(page: ProjectSources) -> dict:
    project = page.project
    site_form = page.inputs.get("site_form") or SitePositionForm(
        formdata=None, data={"lat": _degrees(project.site_lat), "lon": _degrees(project.site_lon)}
    )
    return {
        "project": project,
        "site_map": site_map_service.build(project, page.thread, client=False),
        "map_view": {
            "pin_action": url_for("dashboard.projects_map_pin", project_id=project.id),
            "site_action": url_for("dashboard.projects_site", project_id=project.id),
            "photo_endpoint": "dashboard.file_pins",
            "overlay_endpoint": "dashboard.files_overlay",
        },
        "map_pin_form": page.form("map_pin_form", MapPinForm),
        "site_form": site_form,
    }


def _degrees(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}".rstrip("0").rstrip(".")


def _timeline(page: ProjectSources) -> dict:
    return {"project": page.project, "timeline": project_service.timeline(page.project.id)}


def _live(page: ProjectSources) -> dict:
    return {
        "project": page.project,
        "live_etag": page.inputs.get("live_etag") or project_service.live_etag(page.project.id),
    }


PAGE = BlockPage(
    SHOW,
    ProjectSources,
    _frame,
    {
        "deliverables": _deliverables,
        "deliverable_list": _deliverable_list,
        "deliverable_card": _deliverable_card,
        "links": _links,
        "files": _files,
        "thread": _thread,
        "thread_messages": _thread_messages,
        "site_map": _site_map,
        "status_card": _status_card,
        "timeline": _timeline,
        "live": _live,
    },
    standalone=("deliverable_card",),
)


# The page's answers, as in BlockPage: render(obj, block, oob=...), invalid(obj, block) and done(obj, location, ...).
render, invalid, done = PAGE.answers()
