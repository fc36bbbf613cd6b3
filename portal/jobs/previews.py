"""The preview job: claim a ready file's media row, make its web previews once, and record them or say why not."""

from __future__ import annotations

import io
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from flask import current_app

from portal.extensions import db
from portal.jobs import enqueue_unique, get_queue, job_app_context
from portal.previews import Limits, PreviewFailed, kind_for
from portal.services import media
from portal.storage import StorageError, get_storage


def enqueue_previews(file_ids: list[int]) -> None:
    """Queue the previews of these files, or make them now without Redis; never raises."""
    queue = get_queue()
    for file_id in file_ids:
        if queue is not None:
            try:
                enqueue_unique(
                    queue,
                    make_previews,
                    file_id,
                    job_id=f"{queue.name}-previews-{file_id}",
                    job_timeout=current_app.config.get("PREVIEW_JOB_TIMEOUT", 3600),
                )
                continue
            except Exception:
                current_app.logger.warning("could not enqueue previews of file %s; making them inline", file_id)
        try:
            make_previews(file_id)
        except Exception:
            current_app.logger.exception("inline previews of file %s failed", file_id)


@contextmanager
def local_copy(storage, key: str, folder: str) -> Iterator[Path]:
    """A path to the original: the stored file itself on local storage, else a streamed temporary copy."""
    local = getattr(storage, "local_path", None)
    if local is not None:
        yield local(key)
        return
    target = Path(folder) / ("original" + PurePosixPath(key).suffix.lower()[:10])
    with open(target, "wb") as out:
        for chunk in storage.iter_chunks(key):
            out.write(chunk)
    yield target


def make_previews(file_id: int) -> None:
    """Make one file's previews; a claimed file always ends ready or failed, and the worker goes on either way."""
    with job_app_context():
        claimed = media.claim(file_id)
        if claimed is None:
            return
        storage = get_storage()
        written: list[str] = []
        prefix = f"{PurePosixPath(claimed.storage_key).parent}/media/{file_id}-{secrets.token_hex(6)}"

        def put(name: str, data: bytes | Path, content_type: str) -> str:
            key = f"{prefix}-{name}"
            if isinstance(data, Path):
                with open(data, "rb") as stream:
                    storage.save(stream, key, content_type)
            else:
                storage.save(io.BytesIO(data), key, content_type)
            written.append(key)
            return key

        kind = kind_for(claimed.content_type)
        folder = tempfile.mkdtemp(prefix="previews-")
        kept = False
        try:
            if kind is None:
                raise PreviewFailed("Files of this type get no preview.")
            with local_copy(storage, claimed.storage_key, folder) as path:
                result = kind.make(path, claimed.content_type, put, Limits.from_config(current_app.config))
            kept = media.finish(file_id, result.values())
        except PreviewFailed as exc:
            media.fail(file_id, str(exc))
        except StorageError:
            current_app.logger.exception("previews of file %s: the original could not be read", file_id)
            media.fail(file_id, "The stored file could not be read, so no preview could be made.")
        except Exception:  # a decoder's crash must not stop the worker: the file says it failed
            current_app.logger.exception("previews of file %s failed", file_id)
            db.session.rollback()
            media.fail(file_id, media.GENERIC_FAILURE)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if not kept:
            # Failed, or the file was deleted or reclaimed meanwhile: what this run stored belongs to no row.
            for key in written:
                try:
                    storage.delete(key)
                except Exception:
                    current_app.logger.exception("could not remove preview object %s", key)
