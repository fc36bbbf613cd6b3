"""Page numbers and text search for the dashboard's lists: one helper for every list."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import request, url_for
from sqlalchemy import Select, func, select

from portal.extensions import db

PAGE_SIZE = 50
SEARCH_MAX = 100


@dataclass
class Page:
    """One page of a list: its rows, where it is, and the filters its links keep."""

    rows: list
    number: int
    size: int
    total: int
    endpoint: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one, so an empty list is page 1 of 1)."""
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        """The position of the first row shown, counting from 1 (0 when there is none)."""
        return (self.number - 1) * self.size + 1 if self.rows else 0

    @property
    def last(self) -> int:
        """The position of the last row shown."""
        return (self.number - 1) * self.size + len(self.rows)

    def url(self, number: int) -> str:
        """The URL of another page of the same list, with the same filters."""
        return url_for(self.endpoint, **self.params, page=number if number > 1 else None)

    def keeping(self, endpoint: str, **values) -> str:
        """A URL for an action on the list (a retry) that carries this page's filters and number along."""
        return url_for(endpoint, **values, **self.params, page=self.number if self.number > 1 else None)


def search_text(name: str = "q") -> str:
    """The search typed into a list's box, trimmed and bounded."""
    return request.args.get(name, "").strip()[:SEARCH_MAX]


def requested_page() -> int:
    """The page number asked for in the URL; anything that is not a positive number means page 1."""
    raw = request.args.get("page", "")
    # str.isdigit() accepts "²", which int() refuses: a page number is a short run of ASCII digits.
    return int(raw) if raw.isascii() and raw.isdecimal() and len(raw) <= 6 and int(raw) > 0 else 1


def paginate(
    query: Select, endpoint: str, params: dict[str, Any] | None = None, size: int = PAGE_SIZE, entities: bool = False
) -> Page:
    """Count ``query`` in SQL and fetch the asked page (ORM objects if ``entities``); past the end: the last page."""
    total = db.session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    number = min(requested_page(), max(1, -(-total // size)))
    rows = []
    if total:
        result = db.session.execute(query.limit(size).offset((number - 1) * size))
        rows = list(result.scalars() if entities else result)
    kept = {key: value for key, value in (params or {}).items() if value not in (None, "")}
    return Page(rows=rows, number=number, size=size, total=total, endpoint=endpoint, params=kept)
