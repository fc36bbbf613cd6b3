""" "Download all" of a big deliverable in Chromium: the client asks, sees "Preparing (n %)" update by itself,
then downloads the stored ZIP, whose SHA256SUMS.txt matches its files; the "ready" email reaches them too."""

from __future__ import annotations

import hashlib
import os
import zipfile

from playwright.sync_api import expect
from rq import Queue, SimpleWorker

from portal.extensions import db
from portal.jobs import get_redis
from portal.models import Bundle, Deliverable, Project
from tests.browser.helpers import assert_accessible, enter_portal, seed_shared_project, unique, wait_for_email
from tests.portal_world import store


def test_download_all_of_a_big_deliverable_prepares_then_downloads(live_server, new_page, smtp_inbox, tmp_path):
    seeded = seed_shared_project(live_server)
    contents = {"flight-1.mp4": os.urandom(3 * 1024 * 1024), "flight-2.mp4": os.urandom(1024 * 1024 + 7)}
    with live_server.context():
        deliverable = db.session.get(Deliverable, seeded.photos_id)
        project = db.session.get(Project, seeded.project_id)
        for name, data in contents.items():
            store(project, name, data, "video/mp4", deliverable)
        db.session.remove()
    contents = {"pier.png": None, **contents}
    app = live_server.app
    # Lower the threshold so this deliverable counts as big, and hold its build in a queue no worker reads,
    # so the page is seen preparing before the build runs.
    held = unique("held")
    saved = app.config["ZIP_BUNDLE_BYTES"], app.config["RQ_QUEUE"]
    app.config["ZIP_BUNDLE_BYTES"] = 1024 * 1024
    app.config["RQ_QUEUE"] = held
    page = new_page()
    try:
        enter_portal(page, live_server, seeded.token, seeded.code)
        page.goto(live_server(f"/portal/{seeded.slug}/projects/{seeded.project_id}"))
        page.get_by_role("button", name="Download all (3 files, ZIP", exact=False).click()
        status = page.locator("#bundle-status")
        expect(status.get_by_role("status")).to_have_text("Preparing (0 %)")
        expect(page.get_by_role("link", name="Refresh")).to_be_visible()
        assert_accessible(page, "download all, preparing")
        with page.expect_response(lambda r: r.url.endswith(f"/deliverables/{seeded.photos_id}/zip")) as polled:
            pass
        assert polled.value.request.headers.get("hx-request") == "true"  # htmx polls by itself
    finally:
        app.config["ZIP_BUNDLE_BYTES"], app.config["RQ_QUEUE"] = saved
    app.config["ZIP_BUNDLE_BYTES"] = 1024 * 1024
    try:
        with live_server.context():
            queue = Queue(held, connection=get_redis())
            assert queue.count == 1
            SimpleWorker([queue], connection=queue.connection).work(burst=True)
            bundle = db.session.execute(db.select(Bundle)).scalars().all()[-1]
            assert bundle.progress == 100
            db.session.remove()
        link = page.get_by_role("link", name="Download the ZIP")
        expect(link).to_be_visible(timeout=10_000)  # the next poll swapped the ready state in
        expect(status.get_by_role("status")).to_contain_text("The ZIP is ready: 3 files")
        assert_accessible(page, "download all, ready")
        # Not downloaded yet: the person who asked is told by email too (sent once, unless they download first).
        message = wait_for_email(smtp_inbox, seeded.client_email, "Your download is ready: Aerial photos")
        assert f"/portal/{seeded.slug}/deliverables/{seeded.photos_id}/zip" in message.as_string()
        with page.expect_download() as download_info:
            link.click()
        path = tmp_path / "all.zip"
        download_info.value.save_as(path)
        assert download_info.value.suggested_filename == "Aerial photos v1.zip"
    finally:
        app.config["ZIP_BUNDLE_BYTES"] = saved[0]
    archive = zipfile.ZipFile(path)
    assert archive.namelist() == [*contents, "SHA256SUMS.txt"]
    manifest = archive.read("SHA256SUMS.txt").decode()
    for name, data in contents.items():
        digest = hashlib.sha256(archive.read(name)).hexdigest()
        assert f"{digest}  {name}\n" in manifest
        assert data is None or digest == hashlib.sha256(data).hexdigest()
