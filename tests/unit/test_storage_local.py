"""LocalStorage: streamed saves with size and hash, keys confined to the folder."""

import hashlib
import io

import pytest

from portal.storage import LocalStorage, StorageError, new_key


def test_save_reports_size_and_hash_and_round_trips(tmp_path):
    storage = LocalStorage(tmp_path)
    data = bytes(range(256)) * 9000  # > 1 MiB: several chunks
    key = new_key("org/1/project/2", "bin")
    saved = storage.save(io.BytesIO(data), key, "application/octet-stream")
    assert (saved.size, saved.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert b"".join(storage.iter_chunks(key)) == data
    assert storage.exists(key)
    storage.delete(key)
    storage.delete(key)
    assert not storage.exists(key)


def test_keys_are_made_by_the_app():
    key = new_key("org/1", "../../etc")
    assert key.startswith("org/1/") and ".." not in key and "/" not in key[len("org/1/") :]


def test_keys_outside_the_root_are_refused(tmp_path):
    storage = LocalStorage(tmp_path / "root")
    with pytest.raises(StorageError):
        storage.save(io.BytesIO(b"x"), "../escape.txt", "text/plain")
    with pytest.raises(StorageError):
        storage.open("../../etc/passwd")


def test_missing_object(tmp_path):
    with pytest.raises(StorageError):
        LocalStorage(tmp_path).open("nothing/here")
