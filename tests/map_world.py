"""A shared project with things on its map: a site, photos with GPS (one hidden), GeoTIFF overlays, a pin."""

from __future__ import annotations

import io

from portal.extensions import db
from portal.models import Message, Project
from portal.models.media import GEOTIFF, IMAGE, READY, FileMedia
from portal.storage import get_storage, new_key
from tests.portal_world import store
from tests.samples import png_bytes

SITE = (51.4545, -2.5879)
PHOTO = (51.4551, -2.5870)
SECRET_PHOTO = (51.4577, -2.5811)
BOUNDS = [51.450, -2.595, 51.460, -2.580]
SECRET_BOUNDS = [51.451, -2.594, 51.459, -2.581]


def add_media(project: Project, image, secret_file) -> dict:
    """Put the world's files on the map; returns the ids of the GeoTIFFs made here."""
    project = db.session.get(Project, project.id)
    project.site_lat, project.site_lon = SITE
    db.session.add(
        FileMedia(
            file_id=image.id,
            kind=IMAGE,
            status=READY,
            latitude=PHOTO[0],
            longitude=PHOTO[1],
            camera="DJI Mavic 3E",
            relative_altitude=60.5,
        )
    )
    db.session.add(
        FileMedia(file_id=secret_file.id, kind=IMAGE, status=READY, latitude=SECRET_PHOTO[0], longitude=SECRET_PHOTO[1])
    )
    ids = {}
    for name, visible, bounds in (("ortho.tif", True, BOUNDS), ("SECRET-ORTHO.tif", False, SECRET_BOUNDS)):
        geotiff = store(project, name, b"II*\x00not really", "image/tiff", visible=visible)
        key = new_key(f"org/{project.org_id}/project/{project.id}/overlay", ".png")
        get_storage().save(io.BytesIO(png_bytes((40, 30))), key, "image/png")
        db.session.add(
            FileMedia(
                file_id=geotiff.id, kind=GEOTIFF, status=READY, overlay_key=key, overlay_bounds=bounds, crs="EPSG:32630"
            )
        )
        ids["overlay" if visible else "secret_overlay"] = geotiff.id
    db.session.commit()
    return ids


def add_pin(project_id: int, body: str, position: tuple[float, float], **fields) -> int:
    """A message pinned to the map, written directly."""
    message = Message(
        project_id=project_id,
        sender_type=fields.pop("sender_type", "operator"),
        sender_name=fields.pop("sender_name", "Op"),
        body=body,
        pin_lat=position[0],
        pin_lon=position[1],
        **fields,
    )
    db.session.add(message)
    db.session.commit()
    return message.id
