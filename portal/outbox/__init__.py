"""The outbox: email kinds, their rows in the event's transaction, and their content when they are sent.

Services add rows with a kind's ``queue(...)`` and end with ``commit_and_dispatch(...)``; the email job reads
``email_context(...)``. Delivery itself is the job the app registers as ``app.extensions["outbox.dispatch"]``."""

from portal.outbox import kinds
from portal.outbox.registry import KIND_LABELS, KINDS, EmailKind, NotWanted, email_context, kind_of
from portal.outbox.rows import batched_message_ids, commit_and_dispatch, dispatch, outbox, retry, too_many

__all__ = [
    "KINDS",
    "KIND_LABELS",
    "EmailKind",
    "NotWanted",
    "batched_message_ids",
    "commit_and_dispatch",
    "dispatch",
    "email_context",
    "kind_of",
    "kinds",
    "outbox",
    "retry",
    "too_many",
]
