"""Project message threads."""

from __future__ import annotations

from functools import cache
from typing import TypedDict, Unpack

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.extensions import db
from portal.models import Deliverable, Message, MessageRead, Project, StoredFile
from portal.models.base import utcnow
from portal.models.file import client_visible_file
from portal.models.message import MAX_BODY, SENDER_CLIENT, SENDER_OPERATOR, client_visible_message
from portal.outbox import commit_and_dispatch
from portal.outbox.kinds.messages import ClientMessages, Messages
from portal.services.activity import Actor, record
from portal.services.errors import ServiceError

# What a list of messages shows of each: who wrote what, and when.
MESSAGE_COLUMNS = (Message.id, Message.sender_type, Message.sender_name, Message.body, Message.created_at)
# A thread adds what each message comments on, and where its pin is.
THREAD_COLUMNS = (
    *MESSAGE_COLUMNS,
    Message.deliverable_id,
    Message.file_id,
    Message.pin_x,
    Message.pin_time,
    Message.pin_lat,
    Message.pin_lon,
)


def project_thread(project_id: int, limit: int = 200) -> list:
    """The latest messages of a project's thread, oldest first, as light rows."""
    rows = db.session.execute(
        db.select(*THREAD_COLUMNS, Message.internal, StoredFile.filename.label("file_name"))
        .outerjoin(StoredFile, StoredFile.id == Message.file_id)
        .where(Message.project_id == project_id)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))


def _clean(body: str | None) -> str:
    body = (body or "").strip()
    if not body:
        raise ServiceError("Write a message first.", "body")
    if len(body) > MAX_BODY:
        raise ServiceError(f"Keep a message under {MAX_BODY:,} characters (this one has {len(body):,}).", "body")
    return body


def _check_subject(project: Project, deliverable_id: int | None, file_id: int | None, client: bool) -> bool:
    """A comment is about a deliverable or file of the same project (and, for clients, a visible one); returns
    whether that item is hidden from the client."""
    hidden = False
    # A file inside a hidden or archived deliverable is hidden from the client even when marked visible.
    subjects = (
        (Deliverable, deliverable_id, "deliverable", Deliverable.client_visible.is_(True)),
        (StoredFile, file_id, "file", client_visible_file()),
    )
    for model, item_id, name, seen in subjects:
        if not item_id:
            continue
        query = db.select(seen.label("seen")).where(model.id == item_id, model.project_id == project.id)
        if client:
            query = query.where(seen)
        found = db.session.execute(query).first()
        if found is None:
            raise ServiceError(f"That {name} is not part of this project.", "body")
        hidden = hidden or not found.seen
    return hidden


def comments_by_subject(thread: list) -> dict:
    """Messages that comment on a deliverable or file, keyed ("d", id) or ("f", id), in thread order."""
    comments: dict = {}
    for message in thread:
        if message.deliverable_id:
            comments.setdefault(("d", message.deliverable_id), []).append(message)
        if message.file_id:
            comments.setdefault(("f", message.file_id), []).append(message)
    return comments


@cache
def _thread_view_statement():
    """The client's view of a thread (internal notes left out): the latest messages with its ETag parts and the
    reader's marker; built once, with bind parameters."""
    project_id, reader_email = bindparam("project_id"), bindparam("reader_email")
    read_up_to = (
        db.select(MessageRead.last_read_message_id)
        .where(MessageRead.project_id == project_id, MessageRead.reader_email == reader_email)
        .scalar_subquery()
    )
    return (
        db.select(
            *THREAD_COLUMNS,
            StoredFile.filename.label("file_name"),
            db.func.count().over().label("total"),
            db.func.max(Message.id).over().label("latest"),
            read_up_to.label("read_up_to"),
        )
        # A comment on a file names it, while the file is still shown to the client.
        .outerjoin(StoredFile, db.and_(StoredFile.id == Message.file_id, StoredFile.client_visible.is_(True)))
        .where(Message.project_id == project_id, client_visible_message())
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(bindparam("limit"))
    )


def thread_view(project_id: int, reader_email: str, limit: int = 200) -> tuple[list, str, int]:
    """The thread's latest messages (oldest first), its ETag and how far the reader has read, in one query."""
    rows = db.session.execute(
        _thread_view_statement(), {"project_id": project_id, "reader_email": reader_email, "limit": limit}
    ).all()
    if not rows:
        return [], f'W/"t{project_id}-0-0"', 0
    first = rows[0]
    return list(reversed(rows)), f'W/"t{project_id}-{first.latest}-{first.total}"', first.read_up_to or 0


class About(TypedDict, total=False):
    """What a message comments on: a deliverable or a file, and where on it."""

    deliverable_id: int | None
    file_id: int | None
    pin: dict | None


def _add(
    project: Project,
    actor: Actor,
    body: str,
    *,
    client: bool,
    name: str,
    email: str | None,
    deliverable_id: int | None = None,
    file_id: int | None = None,
    pin: dict | None = None,
) -> Message:
    """Check and add a message with its Activity row; the caller commits."""
    body = _clean(body)
    hidden = _check_subject(project, deliverable_id, file_id, client=client)
    message = Message(
        project_id=project.id,
        sender_type=SENDER_CLIENT if client else SENDER_OPERATOR,
        sender_name=name[:120],
        sender_email=email,
        sender_user_id=None if client else actor.user_id,
        body=body,
        deliverable_id=deliverable_id,
        file_id=file_id,
        internal=hidden and not client,
        **(pin or {}),
    )
    db.session.add(message)
    db.session.flush()
    record(actor, "message.posted", f"{name} posted a message", subject=message, org_id=project.org_id)
    return message


def post_operator_message(project: Project, actor: Actor, email: str, body: str, **about: Unpack[About]) -> Message:
    """Add an operator's message (or comment on a deliverable or file) to the project's thread."""
    message = _add(project, actor, body, client=False, name=actor.label, email=email, **about)
    # An internal note (a comment on an item the client cannot see) is never emailed to the client.
    commit_and_dispatch(Messages.queue(project, message))
    return message


def post_client_message(project: Project, actor: Actor, name: str | None, body: str, **about: Unpack[About]) -> Message:
    """Add the client's message (or comment on a visible deliverable or file) and mark the thread read."""
    message = _add(project, actor, body, client=True, name=name or actor.label, email=actor.label, **about)
    _mark_read(project.id, actor.label, message.id)
    commit_and_dispatch(ClientMessages.queue(project, message))
    return message


def _mark_read(project_id: int, email: str, message_id: int) -> None:
    # One upsert that only moves forward: two first messages (or two tabs) at once cannot collide on the
    # unique row or move the marker backwards.
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(MessageRead).values(
        project_id=project_id, reader_email=email, last_read_message_id=message_id, updated_at=utcnow()
    )
    excluded = statement.excluded
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[MessageRead.project_id, MessageRead.reader_email],
            set_={"last_read_message_id": excluded.last_read_message_id, "updated_at": excluded.updated_at},
            where=MessageRead.last_read_message_id < excluded.last_read_message_id,
        )
    )


def mark_read(project_id: int, email: str, up_to_message_id: int) -> None:
    """Remember that this email has read the thread up to a message (never moving backwards)."""
    latest = db.session.execute(
        db.select(db.func.max(Message.id)).where(Message.project_id == project_id, Message.id <= up_to_message_id)
    ).scalar()
    if latest:
        _mark_read(project_id, email, latest)
        db.session.commit()


def last_read(project_id: int, email: str) -> int:
    """The id of the last message this email has read in the project's thread."""
    return (
        db.session.execute(
            db.select(MessageRead.last_read_message_id).where(
                MessageRead.project_id == project_id, MessageRead.reader_email == email
            )
        ).scalar()
        or 0
    )
