"""Projects and their status machine (stub: the projects work replaces this)."""
from __future__ import annotations

from datetime import date

from portal.models import Project
from portal.services.activity import Actor


def create_project(org_id: int, actor: Actor, *, client_id: int, name: str, type: str | None = None,
                   start_date: date | None = None, end_date: date | None = None, location: str | None = None,
                   description: str | None = None, status: str = "draft", commit: bool = True) -> Project:
    """Create a project for one of the organization's clients."""
    raise NotImplementedError
