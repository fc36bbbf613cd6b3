"""Email kinds: one registered class per kind, and the content of a notification at send time."""

from __future__ import annotations

from typing import ClassVar

from portal.extensions import db
from portal.models import Notification, Organization
from portal.outbox.recipients import operator_recipients
from portal.outbox.rows import add

CLIENT = "client"
OPERATOR = "operator"
ACCOUNT = "account"

KINDS: dict[str, type[EmailKind]] = {}
KIND_LABELS: dict[str, str] = {}


class NotWanted(LookupError):
    """The recipient no longer gets this email (their link was revoked or its emails turned off meanwhile)."""


class EmailKind:
    """One kind of email: who it is for, its subject and rows (``queue``), and its content when it is sent.

    ``name`` is the notification's kind and names its templates, ``emails/<name>.txt`` and ``.html``."""

    name: ClassVar[str]
    label: ClassVar[str]
    audience: ClassVar[str]
    # A client update the link's "Emails" toggle controls: checked again at send time, since it may wait.
    update: ClassVar[bool] = False

    def __init_subclass__(
        cls, name: str | None = None, label: str = "", audience: str | None = None, update: bool | None = None
    ) -> None:
        """Register a kind: ``class Invoice(EmailKind, name=..., label=..., audience=...)``."""
        super().__init_subclass__()
        cls.audience = audience or getattr(cls, "audience", None)
        cls.update = cls.update if update is None else update
        if name is not None:
            cls.name, cls.label = name, label
            KINDS[name] = cls
            KIND_LABELS[name] = label

    @classmethod
    def template(cls) -> str:
        """The template path of this kind, without the .txt / .html suffix."""
        return f"emails/{cls.name}"

    @classmethod
    def to_each(cls, recipients, org_id: int | None, subject: str, context: dict, **fields) -> list[Notification]:
        """One email of this kind to every recipient, in the caller's transaction."""
        return [add(org_id, to, cls.name, subject, context, **fields) for to in recipients]

    @classmethod
    def to_operators(cls, org_id: int, subject: str, context: dict, **fields) -> list[Notification]:
        """One email of this kind to every member of the organization."""
        return cls.to_each(operator_recipients(org_id), org_id, subject, context, **fields)

    @classmethod
    def still_wanted(cls, notification: Notification) -> bool:
        """Whether the recipient still wants this email when it is sent."""
        return True

    @classmethod
    def content(cls, notification: Notification) -> dict:
        """The template values, read from the database when the email is sent."""
        raise NotImplementedError


def require(obj, what: str):
    """The object an email is about, or a LookupError when it was deleted before the email went out."""
    if obj is None:
        raise LookupError(f"The {what} of this email no longer exists.")
    return obj


def org_of(notification: Notification) -> Organization | None:
    """The organization a notification belongs to."""
    return db.session.get(Organization, notification.org_id)


def kind_of(notification: Notification) -> type[EmailKind]:
    """The registered class of a notification's kind."""
    try:
        return KINDS[notification.kind]
    except KeyError:
        raise LookupError(f"Unknown email kind {notification.kind!r}.") from None


def email_context(notification: Notification) -> dict:
    """The template values of a notification, read from the database when it is sent."""
    kind = kind_of(notification)
    if kind.update and not kind.still_wanted(notification):
        raise NotWanted("Not sent: the client's link was revoked or its emails turned off before it went out.")
    return {**kind.content(notification), "for_client": kind.update}
