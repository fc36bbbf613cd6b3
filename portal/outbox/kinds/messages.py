"""Thread messages, batched per project and recipient: to the client, and to the operators."""

from __future__ import annotations

from portal.extensions import db
from portal.mailer import public_url_for as url
from portal.models import Message, Notification, Project
from portal.models.message import client_visible_message
from portal.outbox.recipients import operator_recipients, project_recipients
from portal.outbox.registry import CLIENT, OPERATOR, EmailKind, NotWanted, org_of, require
from portal.outbox.rows import batched, batched_message_ids


class _Batch(EmailKind):
    """The messages batched into one email, minus what its reader may not read."""

    @classmethod
    def readable(cls) -> tuple:
        """SQL conditions on the messages this email's reader may read."""
        return ()

    @classmethod
    def url(cls, notification: Notification, project: Project) -> str:
        """Where the email's button leads."""
        raise NotImplementedError

    @classmethod
    def content(cls, notification: Notification) -> dict:
        project = require(db.session.get(Project, (notification.context or {})["project_id"]), "project")
        messages = list(
            db.session.execute(
                db.select(Message)
                .where(Message.id.in_(batched_message_ids(notification)), *cls.readable())
                .order_by(Message.id)
            ).scalars()
        )
        if not messages:
            raise NotWanted("Not sent: its messages are internal notes.")
        return {"project": project, "messages": messages, "url": cls.url(notification, project)}


class Messages(_Batch, name="messages", label="New messages (client)", audience=CLIENT, update=True):
    """New operator messages, to the client."""

    @classmethod
    def queue(cls, project: Project, message: Message) -> list[Notification]:
        """Tell the client about a new operator message, batched per project (never an internal note)."""
        if message.internal:
            return []

        def subject(count: int) -> str:
            return f"{'A new message' if count == 1 else f'{count} new messages'} about {project.name}"

        return [batched(to, cls.name, project, message, subject) for to in project_recipients(project)]

    @classmethod
    def still_wanted(cls, notification: Notification) -> bool:
        project = db.session.get(Project, notification.project_id) if notification.project_id else None
        return project is not None and notification.to_email in project_recipients(project)

    @classmethod
    def readable(cls) -> tuple:
        # The client's emails carry only what the client may read (never an internal note).
        return (client_visible_message(),)

    @classmethod
    def url(cls, notification: Notification, project: Project) -> str:
        org = org_of(notification)
        return url("portal.project_page", slug=org.slug, project_id=project.id, _anchor="thread")


class ClientMessages(_Batch, name="client_messages", label="Client messages", audience=OPERATOR):
    """New client messages, to the operators."""

    @classmethod
    def queue(cls, project: Project, message: Message) -> list[Notification]:
        """Tell the operators about a client message, batched per project."""

        def subject(count: int) -> str:
            what = "a message" if count == 1 else f"{count} messages"
            return f"{message.sender_name} sent {what} on {project.name}"

        return [
            batched(to, cls.name, project, message, subject)
            # Always in the same order, so two posts locking the same batches never wait on each other in a circle.
            for to in sorted(operator_recipients(project.org_id))
        ]

    @classmethod
    def url(cls, notification: Notification, project: Project) -> str:
        return url("dashboard.projects_show", project_id=project.id, _anchor="project-thread")
