"""Uppy sends a file in parts to the app's own part target, survives a failed part and a reload, and resumes."""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path

from playwright.sync_api import expect

from portal.extensions import db
from portal.models import StoredFile
from tests.browser.helpers import log_in, unique
from tests.factories import make_org, make_project, make_user
from tests.multipart_helpers import PART, payload

FILE_SIZE = 2 * PART + 1_500_000  # three parts: 5 MiB, 5 MiB and the rest


def test_a_file_in_parts_survives_a_failed_part_and_a_reload(live_server, new_page, tmp_path):
    with live_server.context():
        org = make_org(unique("Org"), slug=unique("org"))
        operator = make_user(org, email=f"{unique('op')}@example.com")
        project_id = make_project(org, name="Flight video").id
        email = operator.email
        db.session.remove()
    data = payload(FILE_SIZE, head=b"%PDF-1.4\n")
    source = tmp_path / "flight-report.pdf"
    source.write_bytes(data)

    page = new_page()
    log_in(page, live_server, email)
    sent: dict[int, int] = {}
    lock = threading.Lock()
    state = {"reloaded": False}

    def parts(route, request):
        number = int(re.search(r"/parts/[^/]+/(\d+)", request.url).group(1))
        with lock:
            sent[number] = sent.get(number, 0) + 1
            attempt = sent[number]
        if number == 2 and attempt == 1:
            route.abort("connectionreset")  # one part fails: Uppy retries it
        elif number == 3 and not state["reloaded"]:
            route.abort("connectionreset")  # the last part does not arrive before the page goes away
        else:
            route.continue_()

    listed = []
    page.on("request", lambda r: listed.append(r.url) if re.search(r"/app/uploads/[^/]+/parts$", r.url) else None)
    page.route(re.compile(r".*/parts/[^/]+/\d+\?.*"), parts)
    page.goto(live_server(f"/app/projects/{project_id}"))
    expect(page.locator("#uploader[data-mounted] .uppy-Dashboard")).to_be_visible()
    expect(page.locator("#upload-files")).to_be_hidden()  # the plain field gives way to Uppy
    page.locator("#uploader .uppy-Dashboard-input").first.set_input_files(str(source))
    page.locator("#uploader .uppy-StatusBar-actionBtn--upload").click()
    # Parts 1 and 2 are stored (part 2 after its retry) and part 3 failed: now reload, as a closed tab would.
    stored_parts = Path(live_server.app.config["STORAGE_DIR"]) / "_multipart"
    for _ in range(300):
        with lock:
            failed_last = sent.get(3, 0) >= 1
        if failed_last and len(list(stored_parts.glob("*/*.part"))) == 2:
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError(f"parts 1 and 2 were not stored: {sent}")
    state["reloaded"] = True
    page.reload()
    expect(page.locator("#uploader[data-mounted] .uppy-Dashboard")).to_be_visible()
    expect(page.locator("#uploader")).to_contain_text("flight-report.pdf")
    resume = page.locator("#uploader .uppy-StatusBar-actionBtn--upload, #uploader .uppy-StatusBar-actionBtn--retry")
    if resume.count():
        resume.first.click()
    row = page.locator("#project-files table").get_by_role("link", name="flight-report.pdf")
    expect(row).to_be_visible(timeout=30_000)
    with lock:
        assert sent[1] == 1 and sent[2] == 2, sent  # after the reload only the missing part was sent again
    assert listed, "the restored upload asked the app which parts it already has"
    with live_server.context():
        stored = db.session.execute(
            db.select(StoredFile).where(StoredFile.filename == "flight-report.pdf")
        ).scalar_one()
        assert stored.size == FILE_SIZE and stored.sha256 == hashlib.sha256(data).hexdigest()
        db.session.remove()
