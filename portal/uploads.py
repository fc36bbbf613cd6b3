"""Checks on uploaded files: a safe display name and a content type sniffed from the bytes."""

from __future__ import annotations

import posixpath
import unicodedata
from dataclasses import dataclass
from typing import BinaryIO

import magic

from portal.images import BOUNDED_TYPES, ImageRejected, check_pixels

SNIFF_BYTES = 8192
MAX_NAME = 200

# Extensions that promise a specific kind of content: the bytes must agree.
EXPECTED_TYPES = {
    "jpg": ("image/jpeg",),
    "jpeg": ("image/jpeg",),
    "png": ("image/png",),
    "gif": ("image/gif",),
    "webp": ("image/webp",),
    "tif": ("image/tiff",),
    "tiff": ("image/tiff",),
    "pdf": ("application/pdf",),
    "mp4": ("video/mp4", "video/x-m4v", "video/quicktime"),
    "m4v": ("video/mp4", "video/x-m4v"),
    "mov": ("video/quicktime", "video/mp4"),
    "zip": ("application/zip",),
}
TYPE_NAMES = {
    "image/jpeg": "a JPEG image",
    "image/png": "a PNG image",
    "application/pdf": "a PDF document",
    "video/mp4": "an MP4 video",
    "video/quicktime": "a QuickTime video",
    "application/zip": "a ZIP archive",
}
# Shown in the browser; everything else is always downloaded as an attachment.
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf", "video/mp4"}


class UploadRejected(ValueError):
    """An upload that must not be stored; the message is shown to the person uploading."""


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed the checks."""

    filename: str
    extension: str
    content_type: str


def safe_filename(raw: str | None) -> str:
    """A readable display name without paths, control characters or bidirectional overrides."""
    name = (raw or "").replace("\\", "/")
    name = posixpath.basename(name)
    # Cc: control characters (NUL…); Cf: format characters such as U+202E, which can disguise "gpj.exe".
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    name = unicodedata.normalize("NFC", name).strip().lstrip(".").strip()
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: MAX_NAME - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:MAX_NAME]
    return name or "file"


def extension_of(filename: str) -> str:
    """The lower-case extension of a name, or ''."""
    stem, dot, ext = filename.rpartition(".")
    return ext.lower() if dot and stem and ext.isalnum() and len(ext) <= 10 else ""


def sniff(stream: BinaryIO) -> tuple[str, bool]:
    """Return (content type from the first bytes, whether the stream is empty); rewinds the stream."""
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    if not head:
        return "application/x-empty", True
    return magic.from_buffer(head, mime=True) or "application/octet-stream", False


def check_upload(raw_filename: str | None, stream: BinaryIO) -> CheckedUpload:
    """Accept an upload or raise UploadRejected with a clear reason."""
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    checked = check_head(raw_filename, head)
    if checked.content_type in BOUNDED_TYPES:
        try:
            check_pixels(stream, checked.filename)
        except ImageRejected as exc:
            raise UploadRejected(str(exc)) from exc
    return checked


def check_head(raw_filename: str | None, head: bytes) -> CheckedUpload:
    """Check a file's first bytes against its name (a .jpg must be a JPEG) or raise UploadRejected."""
    filename = safe_filename(raw_filename)
    if not head:
        raise UploadRejected(f"“{filename}” is empty.")
    content_type = magic.from_buffer(head[:SNIFF_BYTES], mime=True) or "application/octet-stream"
    extension = extension_of(filename)
    expected = EXPECTED_TYPES.get(extension)
    if expected and content_type not in expected:
        kind = TYPE_NAMES.get(expected[0], f"a .{extension} file")
        raise UploadRejected(f"“{filename}” is not {kind}: its content looks like {content_type}.")
    return CheckedUpload(filename, extension, content_type)


def is_inline(content_type: str) -> bool:
    """Whether a browser may show this type itself rather than download it."""
    return content_type in INLINE_TYPES
