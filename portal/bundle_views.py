"""What both sides' "Download all" routes share: the page's state, asking for a bundle, and serving it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, Response, redirect, request, url_for

from portal.downloads import stream_file, zip_response
from portal.extensions import limiter
from portal.htmx import render
from portal.jobs.bundles import enqueue_build
from portal.models import Bundle, Deliverable, StoredFile
from portal.models.bundle import BUILDING, FAILED, READY
from portal.services import bundles


@dataclass(frozen=True)
class BundleObject:
    """A built bundle as the download helpers see a file: a name, a type, a size and a storage key."""

    filename: str
    content_type: str
    size: int
    storage_key: str


def zip_name(deliverable: Deliverable) -> str:
    """The name the ZIP is saved under."""
    return f"{deliverable.title} v{deliverable.version}.zip"


def stream_small(deliverable: Deliverable, files: list[StoredFile]) -> Response:
    """A small deliverable's ZIP, streamed as it is written."""
    return zip_response(files, zip_name(deliverable))


def state(deliverable: Deliverable, files: list[StoredFile]) -> dict:
    """The template values of the "Download all" page and of its status fragment."""
    bundle = bundles.current(deliverable, files) if files else None
    status = bundle.status if bundle else None
    return {
        "deliverable": deliverable,
        "file_count": len(files),
        "total_size": sum(f.size for f in files),
        "bundle": bundle,
        "preparing": status == BUILDING,
        "ready": status == READY,
        "failed": status == FAILED,
    }


def prepare(deliverable: Deliverable, files: list[StoredFile], email: str, audience: str) -> Bundle:
    """Ask for the bundle on someone's behalf and queue its build once the request has committed."""
    bundle, build = bundles.request(deliverable, files, email, audience)
    if build:
        enqueue_build(bundle.id)
    return bundle


def ready_bundle(deliverable: Deliverable, files: list[StoredFile]) -> Bundle | None:
    """The built bundle of exactly these files, or None."""
    bundle = bundles.current(deliverable, files) if files else None
    return bundle if bundle is not None and bundle.status == READY else None


def first_request() -> bool:
    """Whether this is the start of a download (a resumed one asks for a later range): audit only that."""
    header = request.headers.get("Range", "")
    return not header.startswith("bytes=") or header.startswith("bytes=0-")


def serve(deliverable: Deliverable, bundle: Bundle) -> Response:
    """Send a built bundle like any file: a presigned redirect on S3, streamed with byte ranges locally."""
    target = BundleObject(zip_name(deliverable), "application/zip", bundle.size, bundle.storage_key)
    return stream_file(target, allow_inline=False)


@dataclass(frozen=True)
class DownloadAll:
    """One side's "Download all": its routes and page, the files it offers, whom a bundle is built for, its audit."""

    rule: str  # the page's URL rule, ending in …/deliverables/<int:deliverable_id>/zip
    name_prefix: str  # before the endpoint names download_all, prepare_all and download_bundle
    template: str
    # The deliverable of an id in the request's scope with the files this side may have (404 otherwise).
    files: Callable[[int], tuple[Deliverable, list[StoredFile]]]
    audience: str
    email: Callable[[], str]
    record_download: Callable[[Deliverable], None]

    def add_routes(self, blueprint: Blueprint) -> None:
        """Register the page, the request to prepare a bundle (rate limited) and the built bundle's download."""
        views = (
            ("download_all", "", "GET", self.page, "Every file of a deliverable in one ZIP: streamed, or its page."),
            ("prepare_all", "", "POST", self.prepare, "Ask for a big deliverable's ZIP to be built."),
            ("download_bundle", "/file", "GET", self.download, "The built ZIP; before it is ready, its page."),
        )
        for name, suffix, method, handler, doc in views:
            view = self._view(self.name_prefix + name, handler, doc)
            if method == "POST":
                view = limiter.limit("30 per minute")(view)
            blueprint.add_url_rule(self.rule + suffix, view.__name__, view, methods=[method])

    def _view(self, endpoint: str, handler: Callable, doc: str) -> Callable:
        def view(deliverable_id: int):
            return handler(*self.files(deliverable_id))

        # Flask-Limiter tells views apart by name: each side's views get their own.
        view.__name__ = view.__qualname__ = endpoint
        view.__doc__ = doc
        return view

    def _back(self, deliverable: Deliverable) -> Response:
        return redirect(url_for(f".{self.name_prefix}download_all", deliverable_id=deliverable.id), code=303)

    def page(self, deliverable: Deliverable, files: list[StoredFile]) -> Response:
        """A small deliverable's ZIP streamed at once; a big one's page with the state of its bundle."""
        if files and not bundles.is_big(files):
            self.record_download(deliverable)
            return stream_small(deliverable, files)
        return render(self.template, "bundle_status", **state(deliverable, files))

    def prepare(self, deliverable: Deliverable, files: list[StoredFile]) -> Response:
        """Ask for a big deliverable's bundle, then back to its page, which shows the progress."""
        if files and bundles.is_big(files):
            prepare(deliverable, files, self.email(), self.audience)
        return self._back(deliverable)

    def download(self, deliverable: Deliverable, files: list[StoredFile]) -> Response:
        """The built bundle, served like any file; before it is ready, back to its page."""
        bundle = ready_bundle(deliverable, files)
        if bundle is None:
            return self._back(deliverable)
        if first_request():
            self.record_download(deliverable)
            bundles.mark_downloaded(bundle, self.email())
        return serve(deliverable, bundle)
