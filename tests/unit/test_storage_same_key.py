"""Writers of one key at once (a thumbnail made by two first requests) each write a part file of their own."""

import io
import threading

from portal.storage import LocalStorage
from tests.threads import run_together


def test_parallel_saves_of_one_key_all_succeed_and_leave_one_whole_object(tmp_path):
    storage = LocalStorage(tmp_path)
    data = bytes(range(256)) * 4096 * 8  # 8 MB: long enough for the writers to overlap
    start, errors = threading.Barrier(8), []

    def save():
        start.wait()
        try:
            storage.save(io.BytesIO(data), "thumbs/same.jpg", "image/jpeg")
        except Exception as exc:  # noqa: BLE001 (the test reports any failure)
            errors.append(repr(exc))

    run_together((save for _ in range(8)), timeout=None)
    assert errors == []
    assert (tmp_path / "thumbs" / "same.jpg").read_bytes() == data
    assert [p.name for p in (tmp_path / "thumbs").iterdir()] == ["same.jpg"]
