"""Notification: the email outbox row, written with the event it reports, and the messages batched into it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, validates

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
STATUSES = (PENDING, SENDING, SENT, FAILED)
STATUS_LABELS = {PENDING: "Pending", SENDING: "Sending", SENT: "Sent", FAILED: "Failed"}
# How a sent email left: over SMTP, or only written to the log because no mail server is configured.
TRANSPORT_SMTP = "smtp"
TRANSPORT_LOG = "log"


class Notification(db.Model):
    """One email to send, with its delivery state."""

    __table_args__ = (
        Index("ix_notification_status_next", "status", "next_attempt_at"),
        Index("ix_notification_org_created", "org_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Empty for an account's own emails (sign-up, password reset): they belong to no organization's log.
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="SET NULL"))
    to_email: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    context: Mapped[dict | None] = mapped_column(JSON)
    # Pending rows with the same key (one project, one recipient) are merged into one email.
    batch_key: Mapped[str | None] = mapped_column(String(120), index=True)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(255))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    transport: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @validates("subject")
    def _one_line_subject(self, _key: str, value: str) -> str:
        # A CR/LF from a project or file name must never reach a mail header or a log line.
        from portal.logs import one_line

        return one_line(value)[:300]

    @property
    def logged_only(self) -> bool:
        """Whether the email was only written to the log (no mail server configured), not delivered."""
        return self.status == SENT and self.transport == TRANSPORT_LOG

    @property
    def status_label(self) -> str:
        """The status as operators read it."""
        if self.logged_only:
            return "Logged — no mail server"
        return STATUS_LABELS.get(self.status, self.status)


class NotificationItem(db.Model):
    """One message batched into a notification: a row of its own, so simultaneous posts each add theirs."""

    __table_args__ = (UniqueConstraint("notification_id", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id", ondelete="CASCADE"))
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"), index=True)
