"""Message: one post in a project's thread."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow

SENDER_OPERATOR = "operator"
SENDER_CLIENT = "client"
MAX_BODY = 10_000


class Message(db.Model):
    """A message from an operator or the client, optionally about a deliverable or file."""

    __table_args__ = (
        Index("ix_message_project_created", "project_id", "created_at"),
        # A thread's latest message and its ETag read the end of this index, not the whole table backwards.
        Index("ix_message_project_id", "project_id", "id"),
        # The client's thread poll counts and tops the messages it may see: an index-only scan of this one.
        Index(
            "ix_message_client_thread",
            "project_id",
            "id",
            postgresql_where=text("internal IS false"),
            sqlite_where=text("internal IS 0"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    sender_type: Mapped[str] = mapped_column(String(10))
    sender_name: Mapped[str] = mapped_column(String(120))
    sender_email: Mapped[str | None] = mapped_column(String(254))
    sender_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    deliverable_id: Mapped[int | None] = mapped_column(ForeignKey("deliverable.id", ondelete="SET NULL"))
    file_id: Mapped[int | None] = mapped_column(ForeignKey("file.id", ondelete="SET NULL"))
    # An operator's comment on an item hidden from the client: it stays internal even once the item is shared.
    internal: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A pin places the message on its file or on the project's map: a point on an image (x, y as fractions of
    # its width and height, 0..1), a moment in a video (seconds), or a position on the map (WGS 84 degrees).
    pin_x: Mapped[float | None] = mapped_column(Float)
    pin_y: Mapped[float | None] = mapped_column(Float)
    pin_time: Mapped[float | None] = mapped_column(Float)
    pin_lat: Mapped[float | None] = mapped_column(Float)
    pin_lon: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MessageRead(db.Model):
    """How far one reader (a client email) has read a project's thread, for unread markers."""

    __table_args__ = (UniqueConstraint("project_id", "reader_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    reader_email: Mapped[str] = mapped_column(String(254))
    last_read_message_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


def client_visible_message():
    """SQL condition: a message the client may read -- anything but an operator's internal note (a comment posted on
    an item hidden from the client). A column check, so the thread poll stays one cheap query."""
    return Message.internal.is_(False)
