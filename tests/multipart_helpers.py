"""Drive the upload-in-parts protocol as Uppy does: create, sign each part, PUT it, list, complete."""

from __future__ import annotations

import hashlib

import urllib3

PART = 5 * 1024 * 1024
_PATTERN = bytes(range(256)) * 4096


def payload(size: int, head: bytes = b"") -> bytes:
    """``size`` bytes of a repeating pattern, starting with ``head``."""
    body = (_PATTERN * (size // len(_PATTERN) + 1))[: size - len(head)]
    return head + body


def sha256(data: bytes) -> str:
    """The hex SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def create(client, project_id: int, filename: str, size: int, **extra):
    """Open an upload; return the response."""
    return client.post(f"/app/projects/{project_id}/uploads", json={"filename": filename, "size": size, **extra})


def sign(client, upload_id: str, number: int):
    """Ask for a part's URL; return the response."""
    return client.get(f"/app/uploads/{upload_id}/parts/{number}")


def put(client, url: str, data: bytes):
    """PUT a part to its URL: through the test client for the app's own URLs, over HTTP for S3's."""
    if url.startswith("http"):
        response = urllib3.request("PUT", url, body=data)
        return response.status, response.headers.get("ETag")
    response = client.put(url, data=data)
    return response.status_code, response.headers.get("ETag")


def send_parts(client, upload_id: str, data: bytes, numbers=None, part_size: int = PART) -> dict[int, str]:
    """Send the given parts (all by default); return their ETags."""
    count = max(1, -(-len(data) // part_size))
    etags = {}
    for number in numbers or range(1, count + 1):
        signed = sign(client, upload_id, number)
        assert signed.status_code == 200, signed.text
        status, etag = put(client, signed.json["url"], data[(number - 1) * part_size : number * part_size])
        assert status == 200, status
        etags[number] = etag
    return etags


def list_parts(client, upload_id: str):
    """The parts the app says are stored."""
    return client.get(f"/app/uploads/{upload_id}/parts")


def complete(client, upload_id: str, etags: dict[int, str]):
    """Complete with the parts in order."""
    parts = [{"PartNumber": n, "ETag": etags[n]} for n in sorted(etags)]
    return client.post(f"/app/uploads/{upload_id}/complete", json={"parts": parts})
