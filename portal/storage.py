"""File storage behind one interface: a local folder by default, S3-compatible when configured."""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Saved:
    """What storage reports about bytes it has just stored."""

    key: str
    size: int
    sha256: str


class StorageError(RuntimeError):
    """The backend could not store, find or delete an object."""


class Storage(Protocol):
    """What every backend does."""

    def save(self, stream: BinaryIO, key: str, content_type: str, part_size: int | None = None) -> Saved: ...
    def open(self, key: str) -> BinaryIO: ...
    def iter_chunks(self, key: str, chunk_size: int = CHUNK) -> Iterator[bytes]: ...
    def iter_range(self, key: str, start: int, stop: int, chunk_size: int = CHUNK) -> Iterator[bytes]: ...
    def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...


def new_key(prefix: str, extension: str = "") -> str:
    """Return a fresh storage key made by the app, never from a user's filename."""
    extension = extension.lower() if extension.isalnum() and len(extension) <= 8 else ""
    name = secrets.token_hex(16) + (f".{extension}" if extension else "")
    return f"{prefix.strip('/')}/{name}"


class _HashingReader:
    """Wraps a stream, hashing and counting bytes as they are read."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size if size and size > 0 else CHUNK)
        self.sha256.update(data)
        self.size += len(data)
        return data


class LocalStorage:
    """Objects as files under one folder."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise StorageError("key outside the storage folder")
        return path

    def save(self, stream: BinaryIO, key: str, content_type: str, part_size: int | None = None) -> Saved:
        """Copy the stream to a file in chunks, hashing as it goes (``part_size`` matters only on S3)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        reader = _HashingReader(stream)
        # A part file of its own: two writers of one key (a thumbnail made twice) never share one.
        partial = path.with_name(f"{path.name}.{secrets.token_hex(6)}.part")
        try:
            with open(partial, "wb") as out:
                while chunk := reader.read(CHUNK):
                    out.write(chunk)
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return Saved(key, reader.size, reader.sha256.hexdigest())

    def open(self, key: str) -> BinaryIO:
        """Open an object for reading."""
        try:
            return open(self._path(key), "rb")
        except FileNotFoundError as exc:
            raise StorageError(f"no object {key}") from exc

    def iter_chunks(self, key: str, chunk_size: int = CHUNK) -> Iterator[bytes]:
        """Yield an object's bytes in chunks."""
        with self.open(key) as handle:
            while chunk := handle.read(chunk_size):
                yield chunk

    def iter_range(self, key: str, start: int, stop: int, chunk_size: int = CHUNK) -> Iterator[bytes]:
        """Yield bytes start..stop-1 of an object."""
        with self.open(key) as handle:
            handle.seek(start)
            remaining = stop - start
            while remaining > 0 and (chunk := handle.read(min(chunk_size, remaining))):
                remaining -= len(chunk)
                yield chunk

    def delete(self, key: str) -> None:
        """Remove an object; a missing one is not an error."""
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """Tell whether an object is stored."""
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        """An object's size in bytes."""
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError as exc:
            raise StorageError(f"no object {key}") from exc

    def clear(self) -> None:
        """Remove every object (tests only)."""
        shutil.rmtree(self.root, ignore_errors=True)


class S3Storage:
    """Objects in an S3-compatible bucket through boto3, uploaded by multipart streaming."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url=None,
        region="us-east-1",
        access_key_id=None,
        secret_access_key=None,
        prefix="",
    ):
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def save(self, stream: BinaryIO, key: str, content_type: str, part_size: int | None = None) -> Saved:
        """Stream to the bucket in parts of ``part_size`` (8 MiB by default), hashing as it goes."""
        from boto3.s3.transfer import TransferConfig

        reader = _HashingReader(stream)
        try:
            self.client.upload_fileobj(
                reader,
                self.bucket,
                self._key(key),
                ExtraArgs={"ContentType": content_type},
                Config=TransferConfig(
                    multipart_threshold=part_size or 8 * CHUNK,
                    multipart_chunksize=part_size or 8 * CHUNK,
                    use_threads=False,
                ),
            )
        except Exception as exc:  # botocore raises many kinds
            raise StorageError(f"could not store {key}: {exc}") from exc
        return Saved(key, reader.size, reader.sha256.hexdigest())

    def open(self, key: str) -> BinaryIO:
        """Return the object's streaming body."""
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
        except self.client.exceptions.NoSuchKey as exc:
            raise StorageError(f"no object {key}") from exc

    def iter_chunks(self, key: str, chunk_size: int = CHUNK) -> Iterator[bytes]:
        """Yield an object's bytes in chunks."""
        body = self.open(key)
        try:
            yield from body.iter_chunks(chunk_size)
        finally:
            body.close()

    def iter_range(self, key: str, start: int, stop: int, chunk_size: int = CHUNK) -> Iterator[bytes]:
        """Yield bytes start..stop-1 of an object with one ranged GET."""
        body = self.client.get_object(Bucket=self.bucket, Key=self._key(key), Range=f"bytes={start}-{stop - 1}")["Body"]
        try:
            yield from body.iter_chunks(chunk_size)
        finally:
            body.close()

    def delete(self, key: str) -> None:
        """Remove an object; a missing one is not an error."""
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def exists(self, key: str) -> bool:
        """Tell whether an object is stored."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError:
            return False
        return True


def build_storage(config) -> Storage:
    """Create the backend the config names."""
    if config["STORAGE_BACKEND"] == "s3":
        return S3Storage(
            config["S3_BUCKET"],
            endpoint_url=config["S3_ENDPOINT_URL"],
            region=config["S3_REGION"],
            access_key_id=config["S3_ACCESS_KEY_ID"],
            secret_access_key=config["S3_SECRET_ACCESS_KEY"],
            prefix=config["S3_PREFIX"],
        )
    return LocalStorage(config["STORAGE_DIR"])


def get_storage() -> Storage:
    """Return the app's storage backend, built once per app."""
    app = current_app._get_current_object()
    storage = app.extensions.get("portal_storage")
    if storage is None:
        storage = app.extensions["portal_storage"] = build_storage(app.config)
    return storage
