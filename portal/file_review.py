"""A file's review page with its pinned comments, as both sides serve it: the page, and a comment posted on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Response, request, url_for

from portal.extensions import db
from portal.htmx import done, invalid, render
from portal.models import FileMedia, Project, StoredFile
from portal.services import pins
from portal.services.activity import Actor
from portal.services.errors import ServiceError


@dataclass(frozen=True)
class FileReview:
    """One side's review page: its template and form, how it loads the project, and who comments as whom."""

    template: str
    side: str  # the blueprint's name, also what the template is told
    client: bool
    form_class: type
    load_project: Callable[[int], Project]
    original_endpoint: str
    actor: Callable[[], Actor]
    author: Callable[[], str | None]
    post_comment: Callable[..., object]

    def context(self, file: StoredFile, form=None, error: str | None = None) -> dict:
        """The page's values, with a refused comment's form, error and typed values when given."""
        media = db.session.get(FileMedia, file.id)
        return {
            "file": file,
            "project": self.load_project(file.project_id),
            "media": media,
            "kind": pins.media_kind(file, media),
            "pins": pins.file_pins(file.id, client=self.client),
            "side": self.side,
            "original_url": url_for(self.original_endpoint, file_id=file.id),
            "form": form or self.form_class(formdata=None),
            "pin_error": error,
            "values": request.form if error else {},
        }

    def show(self, file: StoredFile) -> Response:
        """The image or video with its pinned comments beside it."""
        return render(self.template, **self.context(file))

    def comment(self, file: StoredFile) -> Response:
        """Post the comment, pinned to a point of the image or a moment of the video when one is given."""
        form = self.form_class()
        error = " ".join(form.body.errors) if not form.validate_on_submit() else None
        if error is None:
            try:
                self.post_comment(
                    self.load_project(file.project_id),
                    self.actor(),
                    self.author(),
                    file.id,
                    form.body.data,
                    x=request.form.get("x"),
                    y=request.form.get("y"),
                    time=request.form.get("time"),
                )
            except ServiceError as exc:
                db.session.rollback()
                error = exc.message
        if error is not None:
            return invalid(self.template, "pins", **self.context(file, form, error))
        location = url_for(f"{self.side}.file_pins", file_id=file.id, _anchor="pins")
        return done(location, "Comment posted.", template=self.template, block="pins", **self.context(file))
