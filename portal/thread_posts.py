"""What both sides' project page routes share: a message posted to the thread, a comment on a deliverable or file,
and a comment pinned to the map."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Response
from flask_wtf import FlaskForm

from portal.blocks import BlockPage
from portal.extensions import db
from portal.forms import MapPinForm, show_refusal
from portal.models import Project
from portal.services import site_map
from portal.services.activity import Actor
from portal.services.errors import ServiceError


def post_message(
    project: Project,
    page: BlockPage,
    form: FlaskForm,
    post: Callable[[str], object],
    location: str,
    message: str | None,
    oob: Iterable[str],
    refused_oob: Iterable[str] = (),
) -> Response:
    """Post the submitted message through ``post``; the thread block (and ``oob``), or the thread with its errors."""
    if form.validate_on_submit():
        try:
            post(form.body.data)
        except ServiceError as exc:
            show_refusal(form, exc, form.body)
        else:
            return page.done(project, location, message, "thread", oob=oob)
    return page.invalid(project, "thread", oob=refused_oob, message_form=form)


def post_comment(
    project: Project,
    page: BlockPage,
    form: FlaskForm,
    post: Callable[[str], object],
    location: str,
    block: str,
    oob: Iterable[str],
    errors: Callable[[str], dict],
    refused_oob: Iterable[str] = (),
    **given,
) -> Response:
    """Post the submitted comment through ``post``: ``block`` again (and ``oob``), or with ``errors(message)`` (and
    ``refused_oob``)."""
    error = None
    if form.validate_on_submit():
        try:
            post(form.body.data)
        except ServiceError as exc:
            db.session.rollback()
            error = exc.message
    else:
        error = " ".join(form.body.errors) or "Write a comment first."
    if error is None:
        return page.done(project, location, "Comment posted.", block, oob=oob, **given)
    return page.invalid(project, block, oob=refused_oob, **errors(error), **given)


def pin_comment(project: Project, page: BlockPage, actor: Actor, location: str, oob: Iterable[str], **who) -> Response:
    """Pin the submitted comment to the map (posted to the thread like any message) as ``who`` says (the client
    and their name, or an operator's email); the map block, or the map with its errors."""
    form = MapPinForm()
    if form.validate_on_submit():
        try:
            site_map.pin_comment(project, actor, form.body.data, form.lat.data, form.lon.data, **who)
        except ServiceError as exc:
            show_refusal(form, exc, form.lat)
        else:
            return page.done(project, location, "Comment pinned.", "site_map", oob=oob)
    return page.invalid(project, "site_map", map_pin_form=form)
