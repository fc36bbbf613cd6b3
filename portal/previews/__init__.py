"""Web previews of media files: one registered class per kind (image, raw photo, video, GeoTIFF) with the same
methods.

A kind reads the original from a local path and hands each derived object to ``put(name, path_or_bytes,
content_type)``, which stores it and returns its key. It answers with a ``Result`` or raises ``PreviewFailed``
with a sentence for the person who uploaded the file. Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

Put = Callable[[str, "bytes | Path", str], str]

PREVIEW_BOX = 2048
THUMB_BOX = 400
POSTER_BOX = 1280


class PreviewFailed(Exception):
    """The original cannot be previewed; the message is shown to people."""


@dataclass
class Result:
    """What a kind learned about a file and the keys of what it made."""

    kind: str
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    codec: str | None = None
    captured_at: datetime | None = None
    camera: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    relative_altitude: float | None = None
    crs: str | None = None
    overlay_bounds: list[float] | None = None
    keys: dict[str, str] = field(default_factory=dict)

    def values(self) -> dict:
        """The FileMedia columns this result sets."""
        columns = {
            name: getattr(self, name)
            for name in (
                "kind",
                "width",
                "height",
                "duration",
                "codec",
                "captured_at",
                "camera",
                "latitude",
                "longitude",
                "relative_altitude",
                "crs",
                "overlay_bounds",
            )
        }
        for slot in ("preview", "thumb", "poster", "proxy", "overlay"):
            columns[f"{slot}_key"] = self.keys.get(slot)
        return columns


class PreviewKind:
    """One kind of media: which content types it takes and how it makes their previews."""

    name: str = ""
    # What a file is recorded as until its previews are made, when that may differ (a TIFF may be a GeoTIFF).
    pending_kind: str = ""
    content_types: frozenset[str] = frozenset()

    def accepts(self, content_type: str) -> bool:
        """Whether files of this type are this kind's."""
        return content_type in self.content_types

    def make(self, path: Path, content_type: str, put: Put, limits: Limits) -> Result:
        """Read the original at ``path`` and store its previews through ``put``."""
        raise NotImplementedError


@dataclass(frozen=True)
class Limits:
    """What one preview may cost: pixels claimed by an image header, and pixels a raster may hold."""

    max_image_pixels: int = 200_000_000
    max_raster_pixels: int = 4_000_000_000
    max_decode_bytes: int = 400_000_000

    @classmethod
    def from_config(cls, config) -> Limits:
        """The limits an app is configured with."""
        return cls(
            max_image_pixels=config.get("PREVIEW_MAX_IMAGE_PIXELS", cls.max_image_pixels),
            max_raster_pixels=config.get("PREVIEW_MAX_RASTER_PIXELS", cls.max_raster_pixels),
            max_decode_bytes=config.get("PREVIEW_MAX_DECODE_BYTES", cls.max_decode_bytes),
        )


KINDS: list[PreviewKind] = []


def register(kind_class: type[PreviewKind]) -> type[PreviewKind]:
    """Class decorator: make a kind known, in the order kinds are asked."""
    KINDS.append(kind_class())
    return kind_class


def kind_for(content_type: str) -> PreviewKind | None:
    """The kind that previews files of this type, or None when none does."""
    for kind in KINDS:
        if kind.accepts(content_type):
            return kind
    return None


def is_previewable(content_type: str | None) -> bool:
    """Whether a file of this type gets previews."""
    return bool(content_type) and kind_for(content_type) is not None


# Registration order is the order of questions: a TIFF is first asked whether it is a GeoTIFF.
from portal.previews import geotiff, images, raw, video  # noqa: E402,F401
