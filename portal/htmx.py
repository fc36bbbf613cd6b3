"""Full page or fragment: the one place that decides how an htmx request is answered."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response, flash, make_response, redirect, render_template, request
from jinja2_fragments.flask import render_block


def is_fragment_request() -> bool:
    """True for an htmx request that wants a fragment (not boosted, not a history restore)."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def not_modified(etag: str) -> Response | None:
    """A 304 when the poller already holds ``etag``, else None (then the changed blocks are sent)."""
    if etag not in request.headers.get("If-None-Match", ""):
        return None
    response = Response(status=304)
    response.headers["ETag"] = etag
    response.vary.add("HX-Request")
    return response


def render(
    template: str,
    block: str | None = None,
    *,
    oob: Iterable[str] = (),
    status_code: int = 200,
    **context,
) -> Response:
    """Render the whole page, or for htmx only ``block`` plus any out-of-band blocks."""
    if block is not None and is_fragment_request():
        parts = [render_block(template, block, **context)]
        parts.extend(render_block(template, name, **{**context, "swap_oob": True}) for name in oob)
        response = make_response("".join(parts), status_code)
    else:
        response = make_response(render_template(template, **context), status_code)
    response.vary.add("HX-Request")
    return response


def invalid(template: str, block: str, **context) -> Response:
    """Answer an invalid submit: 200 with the form fragment for htmx, 422 with the page otherwise."""
    return render(template, block, status_code=200 if is_fragment_request() else 422, **context)


def confirm(response: Response, message: str) -> Response:
    """Tell the person the action worked: the flash out of band for htmx, on the next page otherwise."""
    if is_fragment_request():
        response.set_data(response.get_data() + render_template("_flash_oob.html", message=message).encode())
    else:
        flash(message, "success")
    return response


def done(
    location: str,
    message: str | None = None,
    *,
    template: str | None = None,
    block: str | None = None,
    oob: Iterable[str] = (),
    **context,
) -> Response:
    """Answer a successful POST: a fragment for htmx, or flash + redirect (post/redirect/get)."""
    if is_fragment_request():
        if template is not None:
            response = render(template, block, oob=oob, **context)
            if message:
                confirm(response, message)
        else:
            response = make_response("", 204)
            response.headers["HX-Redirect"] = location
        response.vary.add("HX-Request")
        return response
    response = redirect(location, code=303)
    if message:
        confirm(response, message)
    response.vary.add("HX-Request")
    return response
