"""Generated stand-ins for the demo's files: aerial photos and an inspection report."""

from __future__ import annotations

import io
import random


def demo_photo(seed: int) -> bytes:
    """A small generated 'aerial' JPEG: sky, water, pier and boats."""
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
    image.save(out, "JPEG", quality=78)
    return out.getvalue()


def demo_pdf(project_name: str) -> bytes:
    """A one-page inspection report PDF."""
    from weasyprint import HTML

    html = (
        f"<h1>Thermal inspection report</h1><p>{project_name}</p>"
        "<p>Three panels in row 14 show hot spots above 12 K; see the attached orthomosaic.</p>"
    )
    return HTML(string=html).write_pdf()
