"""FileMedia: what the preview job learned about a file and the web-sized copies it made."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import Timestamps, UTCDateTime

PENDING = "pending"
# Claimed by a worker (pending → processing → ready or failed); a claim older than the job's timeout is stale.
PROCESSING = "processing"
READY = "ready"
FAILED = "failed"
STATUSES = (PENDING, PROCESSING, READY, FAILED)
# Not ready yet: pages say "processing" for both.
IN_PROGRESS = (PENDING, PROCESSING)

IMAGE = "image"
VIDEO = "video"
GEOTIFF = "geotiff"
KINDS = (IMAGE, VIDEO, GEOTIFF)


class FileMedia(Timestamps, db.Model):
    """One row per previewable file (image, video, GeoTIFF): its metadata and the keys of its derived objects.

    The original stays untouched; every ``*_key`` names an object in the same storage, made once by the preview job.
    """

    __tablename__ = "file_media"

    file_id: Mapped[int] = mapped_column(ForeignKey("file.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    error: Mapped[str | None] = mapped_column(String(400))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    duration: Mapped[float | None] = mapped_column(Float)
    codec: Mapped[str | None] = mapped_column(String(40))
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    camera: Mapped[str | None] = mapped_column(String(120))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    relative_altitude: Mapped[float | None] = mapped_column(Float)
    crs: Mapped[str | None] = mapped_column(String(80))
    # [south, west, north, east] in WGS 84 degrees: where the overlay image lies on the map.
    overlay_bounds: Mapped[list | None] = mapped_column(JSON)
    preview_key: Mapped[str | None] = mapped_column(String(255))
    thumb_key: Mapped[str | None] = mapped_column(String(255))
    poster_key: Mapped[str | None] = mapped_column(String(255))
    proxy_key: Mapped[str | None] = mapped_column(String(255))
    overlay_key: Mapped[str | None] = mapped_column(String(255))

    file: Mapped[StoredFile] = relationship()  # noqa: F821

    @property
    def has_position(self) -> bool:
        """Whether it can be placed on the map as a point."""
        return self.latitude is not None and self.longitude is not None

    @property
    def in_progress(self) -> bool:
        """Whether its previews are still to come (pages say "processing")."""
        return self.status in IN_PROGRESS

    def derived_keys(self) -> list[str]:
        """Every stored object made from the original, to delete with it."""
        keys = (self.preview_key, self.thumb_key, self.poster_key, self.proxy_key, self.overlay_key)
        return [key for key in keys if key]


def media_columns() -> tuple:
    """FileMedia's columns a gallery needs, labelled for a file row joined to its (optional) media row."""
    return (
        FileMedia.status.label("media_status"),
        FileMedia.kind.label("media_kind"),
        FileMedia.width.label("media_width"),
        FileMedia.height.label("media_height"),
        FileMedia.duration.label("media_duration"),
        FileMedia.preview_key.label("preview_key"),
        FileMedia.thumb_key.label("thumb_key"),
        FileMedia.poster_key.label("poster_key"),
        FileMedia.proxy_key.label("proxy_key"),
    )
