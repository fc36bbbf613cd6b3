"""The project's map: the site, photos with a position, GeoTIFF overlays and map pins a viewer may see."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam

from portal.extensions import db
from portal.models import Message, Project, StoredFile
from portal.models.file import client_visible_file
from portal.models.media import GEOTIFF, READY, FileMedia
from portal.services import messages
from portal.services.activity import Actor
from portal.services.errors import ServiceError

# A pin farther than this from the site (or, without a site, from every photo and overlay) is refused:
# a comment about this project belongs near it, and a typo in a coordinate lands far away.
MAX_PIN_KM = 50.0
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Photo:
    """An image file placed at the position its metadata gives."""

    file_id: int
    filename: str
    lat: float
    lon: float
    captured_at: datetime | None = None
    camera: str | None = None
    relative_altitude: float | None = None


@dataclass(frozen=True)
class Overlay:
    """A GeoTIFF's web-sized overlay and the box it covers: (south, west, north, east)."""

    file_id: int
    filename: str
    bounds: tuple[float, float, float, float]


@dataclass(frozen=True)
class Pin:
    """A message placed on the map, numbered in thread order."""

    number: int
    message_id: int
    lat: float
    lon: float
    sender_name: str
    body: str


@dataclass
class SiteMap:
    """Everything one viewer may see on a project's map."""

    site: tuple[float, float] | None
    photos: list[Photo] = field(default_factory=list)
    overlays: list[Overlay] = field(default_factory=list)
    pins: list[Pin] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        """Whether there is nothing to place on the map."""
        return self.site is None and not (self.photos or self.overlays or self.pins)

    def anchors(self) -> list[tuple[float, float, float, float]]:
        """The boxes a pin must lie near: the site alone when set, else every photo and overlay."""
        if self.site is not None:
            return [(self.site[0], self.site[1], self.site[0], self.site[1])]
        points = [(p.lat, p.lon, p.lat, p.lon) for p in self.photos]
        return points + [o.bounds for o in self.overlays]


def valid_coordinate(lat: float, lon: float) -> bool:
    """Whether a latitude and longitude are finite WGS 84 degrees in range."""
    return math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180


def valid_bounds(bounds) -> tuple[float, float, float, float] | None:
    """Overlay bounds as four floats (south, west, north, east) when they make a box on the map, else None."""
    try:
        south, west, north, east = (float(value) for value in bounds)
    except (TypeError, ValueError):
        return None
    if not (valid_coordinate(south, west) and valid_coordinate(north, east)) or south >= north or west >= east:
        return None
    return south, west, north, east


def _number(text: str | None, name: str, field_name: str, low: float, high: float) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ServiceError(f"The {name} must be a number in degrees, such as {high / 2:g}.", field_name) from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ServiceError(f"The {name} must be between {low:g} and {high:g} degrees.", field_name)
    return value


def parse_position(lat_text: str | None, lon_text: str | None, *, required: bool) -> tuple[float, float] | None:
    """Typed coordinates as (lat, lon): both or neither (None), each in range; required refuses neither."""
    lat = _number(lat_text, "latitude", "lat", -90, 90)
    lon = _number(lon_text, "longitude", "lon", -180, 180)
    if lat is None and lon is None:
        if required:
            raise ServiceError("Choose a spot on the map, or type its latitude and longitude.", "lat")
        return None
    if lat is None:
        raise ServiceError("Give the latitude too (or clear both).", "lat")
    if lon is None:
        raise ServiceError("Give the longitude too (or clear both).", "lon")
    return lat, lon


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two positions (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def distance_to_box_km(lat: float, lon: float, box: tuple[float, float, float, float]) -> float:
    """The distance from a position to the nearest point of a box (zero inside it)."""
    south, west, north, east = box
    return distance_km(lat, lon, min(max(lat, south), north), min(max(lon, west), east))


def check_pin(site_map: SiteMap, lat: float, lon: float) -> None:
    """Refuse a pin outside the valid range or farther than ``MAX_PIN_KM`` from what the map shows."""
    if not valid_coordinate(lat, lon):
        raise ServiceError("That spot is not a valid position on the map.", "lat")
    anchors = site_map.anchors()
    if not anchors:
        raise ServiceError("This project has no site on the map yet, so a comment cannot be pinned to it.", "lat")
    if min(distance_to_box_km(lat, lon, box) for box in anchors) > MAX_PIN_KM:
        near = "the site" if site_map.site is not None else "the project's photos and maps"
        raise ServiceError(f"That spot is more than {MAX_PIN_KM:g} km from {near}; pin a spot nearer.", "lat")


@cache
def _media_statement(client: bool):
    """Ready media of a project's files that have a position or an overlay, built once per side."""
    query = (
        db.select(
            FileMedia.file_id,
            FileMedia.kind,
            FileMedia.latitude,
            FileMedia.longitude,
            FileMedia.captured_at,
            FileMedia.camera,
            FileMedia.relative_altitude,
            FileMedia.overlay_key,
            FileMedia.overlay_bounds,
            StoredFile.filename,
        )
        .join(StoredFile, StoredFile.id == FileMedia.file_id)
        .where(
            StoredFile.project_id == bindparam("project_id"),
            FileMedia.status == READY,
            db.or_(
                db.and_(FileMedia.latitude.is_not(None), FileMedia.longitude.is_not(None)),
                db.and_(FileMedia.kind == GEOTIFF, FileMedia.overlay_key.is_not(None)),
            ),
        )
        .order_by(FileMedia.captured_at, StoredFile.id)
    )
    if client:
        query = query.where(client_visible_file())
    return query


def build(project: Project, thread: list, *, client: bool) -> SiteMap:
    """The map one viewer may see: the site, visible files' positions and overlays, and the pins in ``thread``
    (rows the viewer already may see, with ``pin_lat``/``pin_lon``); one statement."""
    site = (project.site_lat, project.site_lon)
    site_map = SiteMap(site if site[0] is not None and site[1] is not None else None)
    for row in db.session.execute(_media_statement(client), {"project_id": project.id}):
        bounds = valid_bounds(row.overlay_bounds) if row.kind == GEOTIFF and row.overlay_key else None
        if bounds is not None:
            site_map.overlays.append(Overlay(row.file_id, row.filename, bounds))
        elif row.latitude is not None and valid_coordinate(row.latitude, row.longitude):
            site_map.photos.append(
                Photo(
                    row.file_id,
                    row.filename,
                    row.latitude,
                    row.longitude,
                    row.captured_at,
                    row.camera,
                    row.relative_altitude,
                )
            )
    pinned = [m for m in thread if getattr(m, "pin_lat", None) is not None and m.pin_lon is not None]
    site_map.pins = [
        Pin(number, m.id, m.pin_lat, m.pin_lon, m.sender_name, m.body) for number, m in enumerate(pinned, start=1)
    ]
    return site_map


def overlay_key(file_id: int) -> str | None:
    """The storage key of a file's ready GeoTIFF overlay, or None."""
    return db.session.execute(
        db.select(FileMedia.overlay_key).where(
            FileMedia.file_id == file_id, FileMedia.kind == GEOTIFF, FileMedia.status == READY
        )
    ).scalar_one_or_none()


def pin_comment(
    project: Project,
    actor: Actor,
    body: str,
    lat_text: str | None,
    lon_text: str | None,
    *,
    client: bool,
    name: str | None = None,
    email: str | None = None,
) -> Message:
    """Post a comment pinned to a spot on the map through the thread's own path (emails as usual); the spot
    must lie within reach of what this side sees on the map."""
    position = parse_position(lat_text, lon_text, required=True)
    check_pin(build(project, [], client=client), *position)
    pin = {"pin_lat": position[0], "pin_lon": position[1]}
    if client:
        return messages.post_client_message(project, actor, name, body, pin=pin)
    return messages.post_operator_message(project, actor, email, body, pin=pin)
