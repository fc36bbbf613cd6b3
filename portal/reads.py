"""Requests that only read: their queries run outside a transaction."""

from __future__ import annotations

from portal.extensions import db


def read_without_transaction() -> None:
    """Run the rest of this request's statements in autocommit mode.

    Under READ COMMITTED every statement already reads its own snapshot, so a transaction around a page's reads
    adds nothing but two round trips to PostgreSQL (BEGIN and ROLLBACK). A write made later in the request
    still lands; it just commits on its own.
    """
    if not db.session().in_transaction():
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
