"""The demo's version history: every deliverable at version 1, and the listing photos at version 2, approved,
with the decision's certificate."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from portal.demo.media import demo_photo
from portal.extensions import db
from portal.models import Client, Decision, Deliverable, DeliverableVersion, Project, StoredFile, User, VersionFile
from portal.models.deliverable import APPROVED
from portal.services.decisions import file_snapshot
from portal.storage import get_storage, new_key

TITLE = "Listing photo set"


def _photo(project: Project, deliverable: Deliverable, owner: User, name: str, seed: int) -> StoredFile:
    saved = get_storage().save(
        io.BytesIO(demo_photo(seed)), new_key(f"org/{project.org_id}/project/{project.id}", "jpg"), "image/jpeg"
    )
    file = StoredFile(
        project_id=project.id,
        deliverable_id=deliverable.id,
        filename=name,
        content_type="image/jpeg",
        size=saved.size,
        sha256=saved.sha256,
        storage_key=saved.key,
        client_visible=True,
        uploaded_by_label=owner.name,
        uploaded_by_user_id=owner.id,
    )
    db.session.add(file)
    return file


def versions_and_decision(projects: list[Project], owner: User) -> None:
    """Version rows for the demo's deliverables; the listing photos get a second version and its approval."""
    db.session.flush()
    ids = [p.id for p in projects]
    deliverables = db.session.execute(db.select(Deliverable).where(Deliverable.project_id.in_(ids))).scalars()
    now = datetime.now(UTC)
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
        replacement = _photo(project, deliverable, owner, files[1].filename, seed=project.id * 10 + 7)
        added = _photo(project, deliverable, owner, "listing-photo-set-3.jpg", seed=project.id * 10 + 8)
        files[1].superseded_at = now - timedelta(days=1)
        db.session.flush()
        current = [files[0], replacement, added]
        second = DeliverableVersion(
            deliverable_id=deliverable.id,
            number=2,
            created_by=owner.name,
            created_at=now - timedelta(days=1),
            note="Photo 2 re-graded (warmer sky) and a third angle of the terrace added.",
        )
        second.files = [VersionFile(file_id=f.id) for f in current]
        db.session.add(second)
        decided_at = now - timedelta(hours=20)
        client = db.session.get(Client, project.client_id)
        deliverable.version = 2
        deliverable.approval_status = APPROVED
        deliverable.decided_by_email = client.email
        deliverable.decided_by_name = client.name
        deliverable.decided_at = decided_at
        deliverable.decision_version = 2
        deliverable.decision_ip = "203.0.113.24"
        deliverable.decision_user_agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Safari/605.1.15"
        deliverable.decision_file_hashes = {str(f.id): f"{f.filename} sha256:{f.sha256}" for f in current}
        db.session.add(
            Decision(
                deliverable_id=deliverable.id,
                version=2,
                decision=APPROVED,
                email=deliverable.decided_by_email,
                name=deliverable.decided_by_name,
                decided_at=decided_at,
                time_zone="Europe/Oslo",
                ip=deliverable.decision_ip,
                user_agent=deliverable.decision_user_agent,
                files=file_snapshot(current),
            )
        )
