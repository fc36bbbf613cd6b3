"""Project message threads."""

from __future__ import annotations

from portal.extensions import db
from portal.models import Message, Project
from portal.models.message import MAX_BODY, SENDER_OPERATOR
from portal.services.activity import Actor, record
from portal.services.errors import ServiceError


def project_thread(project_id: int, limit: int = 200) -> list:
    """The latest messages of a project's thread, oldest first, as light rows."""
    rows = db.session.execute(
        db.select(Message.id, Message.sender_type, Message.sender_name, Message.body, Message.created_at)
        .where(Message.project_id == project_id)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))


def post_operator_message(project: Project, actor: Actor, email: str, body: str) -> Message:
    """Add an operator's message to the project's thread."""
    body = (body or "").strip()
    if not body:
        raise ServiceError("Write a message first.", "body")
    if len(body) > MAX_BODY:
        raise ServiceError(f"Keep a message under {MAX_BODY:,} characters (this one has {len(body):,}).", "body")
    message = Message(
        project_id=project.id,
        sender_type=SENDER_OPERATOR,
        sender_name=actor.label,
        sender_email=email,
        sender_user_id=actor.user_id,
        body=body,
    )
    db.session.add(message)
    db.session.flush()
    record(
        project.org_id,
        actor,
        "message.posted",
        f"{actor.label} posted a message",
        project_id=project.id,
        subject=message,
    )
    db.session.commit()
    return message
