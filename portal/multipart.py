"""Multipart uploads on either backend: S3's own protocol, or the same protocol with parts as files on disk."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app, url_for

from portal.storage import CHUNK, LocalStorage, S3Storage, Storage, StorageError

MIN_PART = 5 * 1024 * 1024
MAX_PARTS = 10_000
LOCAL_DIR = "_multipart"
MANIFEST = "parts.json"


@dataclass(frozen=True)
class Part:
    """One uploaded part as the backend knows it."""

    number: int
    size: int
    etag: str


class PartRejected(ValueError):
    """A part or a completion the backend must refuse; the message is safe to show."""


class PartIncomplete(PartRejected):
    """A part whose body ended before the length its request announced."""


def part_size_for(size: int) -> int:
    """Bytes per part (the last may be shorter): 5 MiB, or more so the file stays under 10,000 parts."""
    return max(MIN_PART, -(-size // MAX_PARTS))


def part_count(size: int, part_size: int) -> int:
    """How many parts a file of this size has."""
    return max(1, -(-size // part_size))


def part_limit(size: int, part_size: int, number: int) -> int:
    """The most bytes part ``number`` of a file may hold: the part size, or what is left for the last one."""
    return min(part_size, size - (number - 1) * part_size)


def create(storage: Storage, key: str, content_type: str) -> str:
    """Start a multipart upload and return the backend's id for it."""
    if isinstance(storage, S3Storage):
        try:
            return storage.client.create_multipart_upload(
                Bucket=storage.bucket, Key=storage._key(key), ContentType=content_type
            )["UploadId"]
        except Exception as exc:  # botocore raises many kinds
            raise StorageError(f"could not start an upload of {key}: {exc}") from exc
    backend_id = secrets.token_hex(16)
    _local_dir(storage, backend_id).mkdir(parents=True)
    return backend_id


def part_url(storage: Storage, upload, number: int, expires_in: int) -> str:
    """A short-lived URL the browser PUTs one part's bytes to."""
    if isinstance(storage, S3Storage):
        return storage.client.generate_presigned_url(
            "upload_part",
            Params={
                "Bucket": storage.bucket,
                "Key": storage._key(upload.storage_key),
                "UploadId": upload.backend_upload_id,
                "PartNumber": number,
            },
            ExpiresIn=expires_in,
        )
    expires = int(time.time()) + expires_in
    return url_for(
        "parts.put_part",
        public_id=upload.public_id,
        number=number,
        expires=expires,
        signature=local_signature(upload.public_id, number, expires),
    )


def local_signature(public_id: str, number: int, expires: int) -> str:
    """The HMAC that lets one URL write one part of one upload until it expires."""
    message = f"part:{public_id}:{number}:{expires}".encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).hexdigest()


def check_local_signature(public_id: str, number: int, expires: int, signature: str) -> bool:
    """Whether a local part URL is genuine and unexpired."""
    if expires < time.time():
        return False
    return hmac.compare_digest(local_signature(public_id, number, expires), signature or "")


def list_parts(storage: Storage, upload) -> list[Part]:
    """The parts stored so far, in order."""
    if isinstance(storage, S3Storage):
        parts, marker = [], 0
        while True:
            try:
                page = storage.client.list_parts(
                    Bucket=storage.bucket,
                    Key=storage._key(upload.storage_key),
                    UploadId=upload.backend_upload_id,
                    PartNumberMarker=marker,
                )
            except Exception as exc:
                raise StorageError(f"could not list the parts of {upload.storage_key}: {exc}") from exc
            parts += [Part(p["PartNumber"], p["Size"], p["ETag"]) for p in page.get("Parts", [])]
            if not page.get("IsTruncated"):
                return parts
            marker = page["NextPartNumberMarker"]
    folder = _local_dir(storage, upload.backend_upload_id)
    parts = []
    for entry in sorted(folder.glob("*.part"), key=lambda p: int(p.stem)):
        etag = (folder / f"{entry.stem}.etag").read_text() if (folder / f"{entry.stem}.etag").exists() else ""
        parts.append(Part(int(entry.stem), entry.stat().st_size, etag))
    return parts


def write_local_part(
    storage: LocalStorage, upload, number: int, stream: BinaryIO, limit: int, announced: int | None = None
) -> Part:
    """Copy one part's bytes to disk in chunks, refusing more than ``limit`` bytes, or fewer than the request
    ``announced`` (a dropped connection); return its ETag."""
    folder = _local_dir(storage, upload.backend_upload_id)
    if not folder.is_dir():
        raise PartRejected("This upload is no longer open.")
    digest, size = hashlib.md5(usedforsecurity=False), 0
    partial = folder / f"{number}.{secrets.token_hex(6)}.tmp"
    try:
        with open(partial, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise PartRejected(f"A part may hold at most {limit} bytes.")
                digest.update(chunk)
                out.write(chunk)
        if announced is not None and size != announced:
            # Kept, a cut-off part would be listed as stored: the resumed upload would skip it and never complete.
            raise PartIncomplete("The part arrived incomplete; send it again.")
        etag = f'"{digest.hexdigest()}"'
        (folder / f"{number}.etag").write_text(etag)
        os.replace(partial, folder / f"{number}.part")
    finally:
        partial.unlink(missing_ok=True)
    return Part(number, size, etag)


def complete(storage: Storage, upload, parts: list[Part]) -> None:
    """Finish the upload: S3 joins the parts itself; on disk the list is recorded for the upload job to join."""
    if isinstance(storage, S3Storage):
        try:
            storage.client.complete_multipart_upload(
                Bucket=storage.bucket,
                Key=storage._key(upload.storage_key),
                UploadId=upload.backend_upload_id,
                MultipartUpload={"Parts": [{"PartNumber": p.number, "ETag": p.etag} for p in parts]},
            )
        except Exception as exc:
            raise StorageError(f"could not complete {upload.storage_key}: {exc}") from exc
        return
    # Joining gigabytes takes longer than a router lets a request run: the job joins, hashing as it copies.
    manifest = [[p.number, p.etag] for p in parts]
    _local_dir(storage, upload.backend_upload_id).joinpath(MANIFEST).write_text(json.dumps(manifest))


def awaiting_join(storage: Storage, upload) -> bool:
    """Whether the upload's parts are complete on disk but not yet joined into the object."""
    if isinstance(storage, S3Storage):
        return False
    return _local_dir(storage, upload.backend_upload_id).joinpath(MANIFEST).is_file()


def join_local(storage: LocalStorage, upload, on_chunk: Callable[[bytes], None]) -> None:
    """Join the recorded parts into the object in one pass, handing each chunk to ``on_chunk`` on the way."""
    folder = _local_dir(storage, upload.backend_upload_id)
    manifest = json.loads(folder.joinpath(MANIFEST).read_text())
    target = storage._path(upload.storage_key)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A fixed name: a job run again after a crash overwrites its own half-written copy.
    partial = target.with_name(f"{target.name}.joining")
    try:
        with open(partial, "wb") as out:
            for number, etag in manifest:
                if (folder / f"{number}.etag").read_text() != etag:
                    raise StorageError(f"part {number} of {upload.storage_key} changed after completion")
                with open(folder / f"{number}.part", "rb") as source:
                    while chunk := source.read(CHUNK):
                        on_chunk(chunk)
                        out.write(chunk)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    shutil.rmtree(folder, ignore_errors=True)


def abort(storage: Storage, upload) -> None:
    """Drop an unfinished upload and every part stored for it; an unknown one is not an error."""
    if isinstance(storage, S3Storage):
        try:
            storage.client.abort_multipart_upload(
                Bucket=storage.bucket, Key=storage._key(upload.storage_key), UploadId=upload.backend_upload_id
            )
        except storage.client.exceptions.NoSuchUpload:
            pass
        return
    shutil.rmtree(_local_dir(storage, upload.backend_upload_id), ignore_errors=True)


def object_size(storage: Storage, key: str) -> int | None:
    """The stored object's size in bytes, or None when there is none."""
    if isinstance(storage, S3Storage):
        from botocore.exceptions import ClientError

        try:
            return storage.client.head_object(Bucket=storage.bucket, Key=storage._key(key))["ContentLength"]
        except ClientError:
            return None
    path = storage._path(key)
    return path.stat().st_size if path.is_file() else None


def _local_dir(storage: LocalStorage, backend_id: str):
    if not backend_id.isalnum():
        raise StorageError("bad upload id")
    return storage._path(f"{LOCAL_DIR}/{backend_id}/x").parent
