"""Bundles: "Download all" of a big deliverable, asked for, looked up and invalidated when its files change."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Bundle, BundleRequest, Deliverable, Project, StoredFile
from portal.models.bundle import BUILDING, FAILED
from portal.storage import get_storage, new_key


def deliverable_files(deliverable_id: int, client_only: bool) -> list[StoredFile]:
    """The files a "Download all" holds: the client-visible ones for a client, all of them for an operator."""
    query = db.select(StoredFile).where(StoredFile.deliverable_id == deliverable_id).order_by(StoredFile.id)
    if client_only:
        query = query.where(StoredFile.client_visible.is_(True))
    return list(db.session.execute(query).scalars())


def fingerprint(files: list[StoredFile]) -> str:
    """A name for one set of files and their contents: a new, removed or replaced file changes it."""
    return hashlib.sha256("\n".join(f"{f.id}:{f.sha256}" for f in files).encode()).hexdigest()


def is_big(files: list[StoredFile]) -> bool:
    """Whether the files together are big enough to be built once by a worker instead of streamed."""
    return sum(f.size for f in files) >= current_app.config["ZIP_BUNDLE_BYTES"]


def current(deliverable: Deliverable, files: list[StoredFile]) -> Bundle | None:
    """The bundle of exactly these files, if one was asked for."""
    return db.session.execute(
        db.select(Bundle).where(Bundle.deliverable_id == deliverable.id, Bundle.fingerprint == fingerprint(files))
    ).scalar_one_or_none()


def request(deliverable: Deliverable, files: list[StoredFile], email: str, audience: str) -> tuple[Bundle, bool]:
    """Ask for the bundle of these files on someone's behalf; True when a worker must now build it."""
    stale = _stale_keys(deliverable.id)
    bundle, build = current(deliverable, files), False
    if bundle is None:
        try:
            with db.session.begin_nested():
                bundle = Bundle(
                    org_id=deliverable.project.org_id,
                    deliverable_id=deliverable.id,
                    version=deliverable.version,
                    fingerprint=fingerprint(files),
                    file_ids=[f.id for f in files],
                    storage_key=new_key(f"org/{deliverable.project.org_id}/bundles", "zip"),
                    status=BUILDING,
                )
                db.session.add(bundle)
            build = True
        except IntegrityError:  # asked for at the same moment by someone else: theirs is ours
            bundle = current(deliverable, files)
    elif bundle.status == FAILED:
        retried = db.session.execute(
            db.update(Bundle)
            .where(Bundle.id == bundle.id, Bundle.status == FAILED)
            .values(status=BUILDING, progress=0, error=None, claimed_at=None, updated_at=datetime.now(UTC))
            .execution_options(synchronize_session=False)
        )
        build = retried.rowcount == 1
    try:
        with db.session.begin_nested():
            db.session.add(BundleRequest(bundle_id=bundle.id, email=email.lower(), audience=audience))
    except IntegrityError:
        pass  # already asked: one email is enough
    db.session.commit()
    db.session.refresh(bundle)
    remove_objects(stale)
    return bundle, build


def mark_downloaded(bundle: Bundle, email: str) -> None:
    """Note that this person has the ZIP, so the "ready" email is not sent to them."""
    db.session.execute(
        db.update(BundleRequest)
        .where(BundleRequest.bundle_id == bundle.id, BundleRequest.email == email.lower())
        .where(BundleRequest.downloaded_at.is_(None))
        .values(downloaded_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _stale_keys(deliverable_id: int | None) -> list[str]:
    """Delete, in the caller's transaction, the deliverable's bundles whose files no longer are its files."""
    if deliverable_id is None:
        return []
    files = deliverable_files(deliverable_id, False)
    wanted = {fingerprint([f for f in files if f.client_visible]), fingerprint(files)}
    return list(
        db.session.execute(
            db.delete(Bundle)
            .where(Bundle.deliverable_id == deliverable_id, Bundle.fingerprint.not_in(wanted))
            .returning(Bundle.storage_key)
            .execution_options(synchronize_session=False)
        ).scalars()
    )


def invalidate(*deliverable_ids: int | None) -> list[str]:
    """Drop the bundles the deliverables' changed files made stale (in the caller's transaction); their keys."""
    db.session.flush()
    return [key for deliverable_id in set(deliverable_ids) for key in _stale_keys(deliverable_id)]


def bundle_keys_of(*, project_id: int | None = None, deliverable_id: int | None = None) -> list[str]:
    """Delete a project's or a deliverable's bundle rows (in the caller's transaction); their storage keys."""
    query = db.delete(Bundle)
    if deliverable_id is not None:
        query = query.where(Bundle.deliverable_id == deliverable_id)
    else:
        owned = db.select(Deliverable.id).where(Deliverable.project_id == project_id)
        query = query.where(Bundle.deliverable_id.in_(owned))
    return list(
        db.session.execute(query.returning(Bundle.storage_key).execution_options(synchronize_session=False)).scalars()
    )


def remove_objects(keys: list[str]) -> None:
    """Remove bundles' stored ZIPs after their rows are gone; a storage failure only leaves an orphan, logged."""
    storage = get_storage()
    for key in keys:
        try:
            storage.delete(key)
        except Exception:
            current_app.logger.exception("could not remove bundle %s", key)


def prune_old(now: datetime | None = None) -> int:
    """Delete prepared ZIPs older than ``BUNDLE_RETENTION_DAYS`` (the sweeper calls this); the next ask rebuilds."""
    days = current_app.config["BUNDLE_RETENTION_DAYS"]
    if not days:
        return 0
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    old = db.select(Bundle.id).where(Bundle.status != BUILDING, Bundle.updated_at < cutoff).limit(200)
    keys = list(
        db.session.execute(
            db.delete(Bundle)
            .where(Bundle.id.in_(old.scalar_subquery()))
            .returning(Bundle.storage_key)
            .execution_options(synchronize_session=False)
        ).scalars()
    )
    db.session.commit()
    remove_objects(keys)
    return len(keys)


def storage_used(org_id: int) -> int:
    """Bytes an organization keeps in storage: its files and its built bundles."""
    files = db.session.scalar(
        db.select(db.func.coalesce(db.func.sum(StoredFile.size), 0))
        .join(Project, Project.id == StoredFile.project_id)
        .where(Project.org_id == org_id)
    )
    bundles = db.session.scalar(db.select(db.func.coalesce(db.func.sum(Bundle.size), 0)).where(Bundle.org_id == org_id))
    return int(files) + int(bundles)
