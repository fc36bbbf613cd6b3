"""The demo's version history: every deliverable at version 1, and the marina's twilight stills at version 2 after
the client asked for a revision of version 1 (with that decision's certificate)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from portal.demo.content import taken
from portal.demo.data import site_position
from portal.demo.media import demo_photo
from portal.extensions import db
from portal.models import Client, Decision, Deliverable, DeliverableVersion, Project, StoredFile, User, VersionFile
from portal.models.deliverable import PENDING, REVISION_REQUESTED
from portal.services import media
from portal.services.activity import Actor
from portal.services.decisions import file_snapshot
from portal.services.files import save_file
from portal.uploads import CheckedUpload

TITLE = "Twilight stills"
REASON = "Could we see one more angle of the east pier?"


def _photo(project: Project, deliverable: Deliverable, owner: User, name: str, seed: int) -> StoredFile:
    data = demo_photo(seed, site_position(project.name), taken(project, seed % 10))
    upload = CheckedUpload(name, "jpg", "image/jpeg")
    file = save_file(
        project, Actor.operator(owner), upload, io.BytesIO(data), deliverable_id=deliverable.id, client_visible=True
    )
    db.session.add(file)
    return file


def versions_and_decision(projects: list[Project], owner: User) -> list[int]:
    """Version rows for the demo's deliverables; the twilight stills get a revision request and a second version.
    Returns the ids of the new version's photos, for the preview job."""
    db.session.flush()
    ids = [p.id for p in projects]
    deliverables = db.session.execute(db.select(Deliverable).where(Deliverable.project_id.in_(ids))).scalars().all()
    now = datetime.now(UTC)
    previews: list[int] = []
    for deliverable in deliverables:
        files = db.session.execute(
            db.select(StoredFile).where(StoredFile.deliverable_id == deliverable.id).order_by(StoredFile.id)
        ).scalars()
        files = list(files)
        first = DeliverableVersion(
            deliverable_id=deliverable.id, number=1, created_by=owner.name, created_at=now - timedelta(days=3)
        )
        first.files = [VersionFile(file_id=f.id) for f in files]
        db.session.add(first)
        if deliverable.title != TITLE or len(files) < 2:
            continue
        project = db.session.get(Project, deliverable.project_id)
        client = db.session.get(Client, project.client_id)
        db.session.add(
            Decision(
                deliverable_id=deliverable.id,
                version=1,
                decision=REVISION_REQUESTED,
                reason=REASON,
                email=client.email,
                name=client.name,
                decided_at=now - timedelta(days=2),
                time_zone="Europe/Oslo",
                ip="203.0.113.24",
                user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Safari/605.1.15",
                files=file_snapshot([f for f in files if f.client_visible]),
            )
        )
        replacement = _photo(project, deliverable, owner, files[1].filename, seed=project.id * 10 + 7)
        added = _photo(project, deliverable, owner, "twilight-stills-east-pier.jpg", seed=project.id * 10 + 8)
        files[1].superseded_at = now - timedelta(days=1)
        db.session.flush()
        previews += media.add_pending([replacement, added])
        second = DeliverableVersion(
            deliverable_id=deliverable.id,
            number=2,
            created_by=owner.name,
            created_at=now - timedelta(days=1),
            note="Photo 2 re-graded (warmer sky) and the east pier added, as asked.",
        )
        second.files = [VersionFile(file_id=f.id) for f in (files[0], replacement, *files[2:], added)]
        db.session.add(second)
        deliverable.version = 2
        deliverable.approval_status = PENDING
    return previews
