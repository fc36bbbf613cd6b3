"""Files the client sent: to the operators."""

from __future__ import annotations

from portal.extensions import db
from portal.mailer import public_url_for as url
from portal.models import Notification, Project
from portal.outbox.registry import OPERATOR, EmailKind, require


class ClientUpload(EmailKind, name="client_upload", label="Client upload", audience=OPERATOR):
    """The client uploaded files to a project."""

    @classmethod
    def queue(cls, project: Project, uploader: str, filenames: list[str]) -> list[Notification]:
        """Tell the operators the client sent files."""
        subject = f"{uploader} uploaded {len(filenames)} file{'s' if len(filenames) != 1 else ''} to {project.name}"
        context = {"project_id": project.id, "uploader": uploader, "files": filenames[:50]}
        return cls.to_operators(project.org_id, subject, context, project_id=project.id)

    @classmethod
    def content(cls, notification: Notification) -> dict:
        data = notification.context or {}
        project = require(db.session.get(Project, data["project_id"]), "project")
        where = url("dashboard.projects_show", project_id=project.id, _anchor="files")
        return {"project": project, "uploader": data["uploader"], "files": data["files"], "url": where}
