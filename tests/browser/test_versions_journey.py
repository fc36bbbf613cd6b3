"""Versions and the approval certificate in a real browser: the operator sends version 2, the client reads what
changed, approves the current version and downloads the certificate, which the public page confirms."""

from __future__ import annotations

import re
import subprocess

from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import (
    assert_accessible,
    assert_no_sideways_scroll,
    enter_portal,
    open_as_client,
    open_as_operator,
    seed_shared_project,
)
from tests.samples import png_bytes


def test_new_version_review_and_certificate(live_server, new_page, tmp_path):
    live = live_server
    shared = seed_shared_project(live)

    operator = new_page()
    open_as_operator(operator, live, shared)
    operator.get_by_role("link", name="Upload a new version of Aerial photos").click()
    expect(operator.get_by_role("heading", level=1)).to_have_text("Upload version 2 of Aerial photos")
    assert_accessible(operator, "new version form")
    operator.get_by_label("What happens to pier.png").select_option("replace")
    replacement = tmp_path / "pier.png"
    replacement.write_bytes(png_bytes((640, 400), (200, 120, 40)))
    operator.get_by_label("Replacement for pier.png (optional)").set_input_files(str(replacement))
    operator.get_by_label("What changed (shown to the client, optional)").fill("Warmer grade on the pier.")
    operator.get_by_role("button", name="Send version 2").click()
    expect(operator.get_by_role("heading", level=1)).to_have_text("Versions of Aerial photos")
    expect(operator.locator("#version-2")).to_contain_text("Replaced: pier.png")
    assert_accessible(operator, "operator versions page")

    client = new_page()
    open_as_client(client, live, shared)
    card = client.locator(f"#deliverable-{shared.photos_id}")
    expect(card).to_contain_text("version 2")
    card.get_by_role("link", name="All versions of Aerial photos").click()
    expect(client.get_by_role("heading", level=1)).to_have_text("Versions of Aerial photos")
    expect(client.locator("#version-2")).to_contain_text("Replaced: pier.png")
    expect(client.locator("#version-2 .s-new")).to_have_count(1)
    expect(client.locator("#version-1")).to_contain_text("Superseded")
    assert_accessible(client, "client versions page")

    client.go_back()
    card = client.locator(f"#deliverable-{shared.photos_id}")
    assert card.locator('input[name="time_zone"]').first.input_value() == "Europe/Berlin"
    card.get_by_role("button", name="Approve Aerial photos").click()
    expect(card.get_by_label("Decision receipt")).to_contain_text("version 2")
    with client.expect_download() as download_info:
        card.get_by_role("link", name=re.compile("Download the certificate")).click()
    pdf = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Aerial photos, version 2" in text and "(Europe/Berlin)" in text and "Approved" in text
    address = re.search(r"Verify at: (\S+)", text).group(1)
    digest = re.search(r"Content checksum \(SHA-256\): ([0-9a-f]{64})", text).group(1)

    visitor = new_page()
    visitor.goto(address)
    expect(visitor.get_by_role("heading", level=1)).to_have_text("This certificate is genuine")
    expect(visitor.locator("code.hash").last).to_have_text(digest)
    assert_accessible(visitor, "verification page")

    phone = new_page(viewport=PHONE)
    enter_portal(phone, live, shared.token, shared.code)
    phone.goto(live(f"/portal/{shared.slug}/deliverables/{shared.photos_id}/versions"))
    assert_no_sideways_scroll(phone, "client versions page at 375 px")
    phone.goto(address)
    assert_no_sideways_scroll(phone, "verification page at 375 px")
