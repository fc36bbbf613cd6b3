"""What both sides' "Download all" routes share: the page's state, asking for a bundle, and serving it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Response, redirect, request, url_for

from portal.downloads import stream_file, zip_response
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


PAGE = "shared/download_all.html"


@dataclass(frozen=True)
class DownloadAll:
    """One side's "Download all": its page's layout, endpoints and wording, whom a bundle is built for, and its
    audit."""

    layout: str
    project_endpoint: str
    page_endpoint: str
    prepare_endpoint: str
    file_endpoint: str
    # How the page's heading writes the version: "version 3" or "v3".
    version_prefix: str
    audience: str
    email: Callable[[], str]
    record_download: Callable[[Deliverable], None]

    def _back(self, deliverable: Deliverable) -> Response:
        return redirect(url_for(self.page_endpoint, deliverable_id=deliverable.id), code=303)

    def page(self, deliverable: Deliverable, files: list[StoredFile]) -> Response:
        """A small deliverable's ZIP streamed at once; a big one's page with the state of its bundle."""
        if files and not bundles.is_big(files):
            self.record_download(deliverable)
            return stream_small(deliverable, files)
        return render(PAGE, "bundle_status", side=self, **state(deliverable, files))

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
