"""Generated stand-ins for the demo's files: aerial photos and an inspection report."""

from __future__ import annotations

import io
import random
from datetime import datetime


def _degrees(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees, minutes = int(value), int(abs(value) * 60) % 60
    return float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4)


def _drone_exif(position: tuple[float, float], taken: datetime, altitude: float):
    """EXIF as a drone writes it: camera model, capture time and the GPS position and altitude."""
    from PIL import ExifTags, Image

    lat, lon = position
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "DJI", "Mavic 3 Enterprise"
    exif[ExifTags.IFD.Exif] = {0x9003: taken.strftime("%Y:%m:%d %H:%M:%S")}
    exif[ExifTags.IFD.GPSInfo] = {
        1: "N" if lat >= 0 else "S",
        2: _degrees(lat),
        3: "E" if lon >= 0 else "W",
        4: _degrees(lon),
        5: 0,
        6: altitude,
    }
    return exif


def demo_photo(seed: int, position: tuple[float, float] | None = None, taken: datetime | None = None) -> bytes:
    """A small generated 'aerial' JPEG: sky, water, pier and boats; with a position, GPS EXIF a little off it."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    width, height = 960, 640
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    top = (rng.randint(20, 60), rng.randint(40, 90), rng.randint(90, 150))
    bottom = (rng.randint(200, 250), rng.randint(120, 180), rng.randint(60, 120))
    for y in range(height):
        t = y / height
        draw.line([(0, y), (width, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    draw.rectangle([0, int(height * 0.62), width, height], fill=(18, 52, 86))
    draw.rectangle([int(width * 0.1), int(height * 0.58), int(width * 0.9), int(height * 0.64)], fill=(92, 72, 54))
    for _ in range(12):
        x, y = rng.randint(0, width - 40), rng.randint(int(height * 0.66), height - 20)
        draw.ellipse([x, y, x + 34, y + 12], fill=(240, 240, 235))
    out = io.BytesIO()
    if position is None:
        image.save(out, "JPEG", quality=78)
    else:
        # Photos of a site are taken around it: within about 150 m.
        spot = (position[0] + rng.uniform(-0.0012, 0.0012), position[1] + rng.uniform(-0.002, 0.002))
        exif = _drone_exif(spot, taken or datetime(2026, 11, 20, 15, 30), round(rng.uniform(40, 110), 1))
        image.save(out, "JPEG", quality=78, exif=exif.tobytes())
    return out.getvalue()


def demo_pdf(project_name: str) -> bytes:
    """A one-page inspection report PDF."""
    from weasyprint import HTML

    html = (
        f"<h1>Thermal inspection report</h1><p>{project_name}</p>"
        "<p>Three panels in row 14 show hot spots above 12 K; see the attached orthomosaic.</p>"
    )
    return HTML(string=html).write_pdf()
