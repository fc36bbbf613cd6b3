"""Capture metadata from EXIF and XMP: GPS position, capture time, camera, a drone's height above take-off."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from PIL import ExifTags, Image

GPS_IFD = ExifTags.IFD.GPSInfo
EXIF_IFD = ExifTags.IFD.Exif
MAKE, MODEL = 0x010F, 0x0110
DATETIME, DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 0x0132, 0x9003, 0x9011
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON, GPS_TIME, GPS_DATE = 1, 2, 3, 4, 7, 29
# DJI writes the height above the take-off point into XMP, as an attribute or an element.
RELATIVE_ALTITUDE = re.compile(rb"drone-dji:RelativeAltitude(?:=\"|>)\s*([+-]?\d+(?:\.\d+)?)")
# Higher than any drone or aircraft photo: a value beyond is a broken tag.
MAX_ALTITUDE_M = 20_000


@dataclass
class Capture:
    """Where, when and with what a photo was taken; each None when not written or not believable."""

    captured_at: datetime | None = None
    camera: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    relative_altitude: float | None = None


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return number if math.isfinite(number) else None


def _degrees(parts, ref) -> float | None:
    """Degrees, minutes, seconds and a hemisphere letter as signed degrees."""
    try:
        d, m, s = (_number(p) for p in parts)
    except (TypeError, ValueError):
        return None
    if d is None or m is None or s is None or not (0 <= m < 60 and 0 <= s < 60.001):
        return None
    value = d + m / 60 + s / 3600
    ref = ref.decode("ascii", "replace") if isinstance(ref, bytes) else str(ref or "")
    return -value if ref.strip().upper() in ("S", "W") else value


def plausible_position(latitude: float | None, longitude: float | None) -> bool:
    """Whether a position can be put on a map: on the globe, and not 0, 0 (what a camera without a fix writes)."""
    if latitude is None or longitude is None:
        return False
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return False
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return False
    return not (latitude == 0 and longitude == 0)


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value or "").replace("\x00", "").strip()


def _camera(make: str, model: str) -> str | None:
    make, model = _text(make), _text(model)
    if make and model.lower().startswith(make.lower()):
        make = ""
    name = " ".join(part for part in (make, model) if part)
    return name[:120] or None


def _when(original, offset, gps_date, gps_time) -> datetime | None:
    """Capture time in UTC: the camera's clock with its offset, else the GPS clock (UTC), else the camera's clock
    read as UTC (its time zone was not written)."""
    local = None
    try:
        local = datetime.strptime(_text(original)[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        pass
    match = re.fullmatch(r"([+-])(\d\d):(\d\d)", _text(offset))
    if local is not None and match:
        sign = -1 if match.group(1) == "-" else 1
        zone = timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))
        return local.replace(tzinfo=zone).astimezone(UTC)
    try:
        day = datetime.strptime(_text(gps_date), "%Y:%m:%d")
        h, m, s = (_number(p) for p in gps_time)
        if None not in (h, m, s):
            return (day + timedelta(hours=h, minutes=m, seconds=s)).replace(tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        pass
    return local.replace(tzinfo=UTC) if local is not None else None


def relative_altitude(xmp: bytes | str | None) -> float | None:
    """A DJI drone's height above its take-off point, from XMP, when written and believable."""
    if not xmp:
        return None
    if isinstance(xmp, str):
        xmp = xmp.encode("utf-8", "replace")
    match = RELATIVE_ALTITUDE.search(xmp)
    value = _number(match.group(1)) if match else None
    return value if value is not None and abs(value) <= MAX_ALTITUDE_M else None


def read_capture(image: Image.Image) -> Capture:
    """Read what an opened image's metadata says about its capture; never raises for bad tags."""
    try:
        exif = image.getexif()
    except Exception:  # a broken EXIF block must not cost the preview
        return Capture(relative_altitude=relative_altitude(image.info.get("xmp")))
    return capture_from(exif, image.info.get("xmp"))


def capture_from(exif: Image.Exif, xmp: bytes | str | None) -> Capture:
    """Read a capture from EXIF tags (with their GPS and Exif IFDs) and XMP; never raises for bad tags."""
    try:
        gps = exif.get_ifd(GPS_IFD)
    except Exception:
        gps = {}
    try:
        details = exif.get_ifd(EXIF_IFD)
    except Exception:
        details = {}
    capture = Capture(
        captured_at=_when(
            details.get(DATETIME_ORIGINAL) or exif.get(DATETIME),
            details.get(OFFSET_TIME_ORIGINAL),
            gps.get(GPS_DATE),
            gps.get(GPS_TIME) or (),
        ),
        camera=_camera(exif.get(MAKE), exif.get(MODEL)),
        relative_altitude=relative_altitude(xmp),
    )
    if GPS_LAT in gps and GPS_LON in gps:
        latitude = _degrees(gps[GPS_LAT], gps.get(GPS_LAT_REF))
        longitude = _degrees(gps[GPS_LON], gps.get(GPS_LON_REF))
        if plausible_position(latitude, longitude):
            capture.latitude, capture.longitude = round(latitude, 7), round(longitude, 7)
    return capture
