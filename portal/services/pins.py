"""Pinned comments: a comment in the project's thread placed on a point of an image or a moment of a video."""

from __future__ import annotations

import math

from portal.extensions import db
from portal.models import FileMedia, Message, Project, StoredFile
from portal.models.file import client_visible_file
from portal.models.media import IMAGE, READY, VIDEO
from portal.models.message import client_visible_message
from portal.services import messages
from portal.services.activity import Actor
from portal.services.errors import ServiceError


def _number(raw, label: str) -> float | None:
    """A form value as a finite number, None when left empty."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ServiceError(f"The {label} must be a number.", "pin") from None
    if not math.isfinite(value):
        raise ServiceError(f"The {label} must be a number.", "pin")
    return value


def media_kind(file: StoredFile, media: FileMedia | None) -> str | None:
    """Whether the file takes a point (image) or a moment (video) as its pin, or neither."""
    if media is not None and media.kind in (IMAGE, VIDEO):
        return media.kind
    if file.content_type.startswith("image/"):
        return IMAGE
    if file.content_type.startswith("video/"):
        return VIDEO
    return None


def check_pin(file: StoredFile, x=None, y=None, time=None) -> dict:
    """The pin columns for a comment on this file, or {} for a comment without a pin; a ServiceError when the
    point lies outside the image, the moment outside the video, or the pin does not suit the file."""
    x, y = _number(x, "position across"), _number(y, "position down")
    time = _number(time, "moment")
    if x is None and y is None and time is None:
        return {}
    media = db.session.get(FileMedia, file.id)
    kind = media_kind(file, media)
    if x is not None or y is not None:
        if kind != IMAGE:
            raise ServiceError("A point can be pinned on an image only.", "pin")
        if x is None or y is None or time is not None:
            raise ServiceError("A point needs both its position across and down.", "pin")
        if not (0 <= x <= 1 and 0 <= y <= 1):
            raise ServiceError("That point lies outside the image: choose a spot on it.", "pin")
        return {"pin_x": x, "pin_y": y}
    if kind != VIDEO:
        raise ServiceError("A moment can be pinned on a video only.", "pin")
    if media is None or media.status != READY or media.duration is None:
        raise ServiceError("The video is still being processed: pin a moment once it has a length.", "pin")
    if not 0 <= time <= media.duration:
        raise ServiceError(f"That moment lies outside the video (0 to {media.duration:.1f} seconds).", "pin")
    return {"pin_time": time}


def _file_of(project: Project, file_id: int, *, client: bool) -> StoredFile:
    query = db.select(StoredFile).where(StoredFile.id == file_id, StoredFile.project_id == project.id)
    if client:
        query = query.where(client_visible_file())
    file = db.session.execute(query).scalar_one_or_none()
    if file is None:
        raise ServiceError("That file is not part of this project.", "pin")
    return file


def pin_client_comment(
    project: Project, actor: Actor, name: str | None, file_id: int, body: str, *, x=None, y=None, time=None
) -> Message:
    """The client's comment on a file they can see, pinned when a point or moment is given."""
    pin = check_pin(_file_of(project, file_id, client=True), x, y, time)
    return messages.post_client_message(project, actor, name, body, file_id=file_id, pin=pin)


def pin_operator_comment(
    project: Project, actor: Actor, email: str, file_id: int, body: str, *, x=None, y=None, time=None
) -> Message:
    """An operator's comment on a file of the project, pinned when a point or moment is given."""
    pin = check_pin(_file_of(project, file_id, client=False), x, y, time)
    return messages.post_operator_message(project, actor, email, body, file_id=file_id, pin=pin)


def file_pins(file_id: int, *, client: bool) -> list:
    """The file's comments in thread order, pinned or not, as light rows (internal notes left out for a client)."""
    query = (
        db.select(*messages.MESSAGE_COLUMNS, Message.internal, Message.pin_x, Message.pin_y, Message.pin_time)
        .where(Message.file_id == file_id)
        .order_by(Message.created_at, Message.id)
        .limit(500)
    )
    if client:
        query = query.where(client_visible_message())
    return db.session.execute(query).all()
