"""The Content-Security-Policy lets in this origin's scripts and the exact pinned CDN files, nothing else of the CDN."""

from __future__ import annotations

import re

from tests.conftest import make_test_app

HTMX_CDN = "https://cdn.jsdelivr.net/npm/htmx.org@2.0.11/dist/htmx.min.js"


def _script_src(response) -> list[str]:
    policy = dict(
        part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";") if part.strip()
    )
    return policy["script-src"].split()


def _project_page_of_an_operator(app):
    """The project page, as its organization's operator sees it on this app."""
    from portal.extensions import db
    from tests.conftest import login
    from tests.factories import make_org, make_project, make_user

    with app.app_context():
        org = make_org()
        client = login(app.test_client(), make_user(org), org)
        project_id = make_project(org).id
        db.session.remove()
    return client.get(f"/app/projects/{project_id}")


def test_script_src_pins_the_exact_htmx_url(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path, HTMX_USE_CDN=True)
    response = app.test_client().get("/login")
    assert _script_src(response) == ["'self'", HTMX_CDN]
    # Every external script the page loads is one the policy names, by its full URL.
    external = re.findall(r'<script src="(https://[^"]+)"', response.get_data(as_text=True))
    assert external == [HTMX_CDN]


def test_other_files_of_the_cdn_host_are_not_allowed(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path, HTMX_USE_CDN=True)
    sources = _script_src(app.test_client().get("/login"))
    assert "https://cdn.jsdelivr.net" not in sources and "https://cdn.jsdelivr.net/" not in sources
    assert not [s for s in sources if s.endswith("/") or "*" in s]


def test_without_the_cdn_only_this_origin_runs_scripts(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path, HTMX_USE_CDN=False)
    assert _script_src(app.test_client().get("/login")) == ["'self'"]


def test_each_later_pinned_library_is_added_by_its_exact_url(database_url, tmp_path):
    leaflet = "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js"
    app = make_test_app(database_url, tmp_path, HTMX_USE_CDN=True, CDN_SCRIPT_URLS=[leaflet])
    assert _script_src(app.test_client().get("/login")) == ["'self'", HTMX_CDN, leaflet]


def test_on_s3_the_bucket_may_take_upload_parts_and_serve_downloads(database_url, tmp_path):
    app = make_test_app(
        database_url, tmp_path, STORAGE_BACKEND="s3", S3_BUCKET="b", S3_ENDPOINT_URL="https://objects.example.com:9000/"
    )
    policy = app.test_client().get("/login").headers["Content-Security-Policy"]
    assert "connect-src 'self' https://objects.example.com:9000;" in policy
    assert "media-src 'self' https://objects.example.com:9000;" in policy
    local = make_test_app(database_url, tmp_path).test_client().get("/login").headers["Content-Security-Policy"]
    assert "connect-src 'self';" in local and "objects.example.com" not in local


def test_the_pinned_uppy_is_allowed_only_with_the_cdn(database_url, tmp_path):
    from portal.config import LEAFLET_CDN_URL, PHOTOSWIPE_CDN_URL, UPPY_CDN_URL, from_environment

    pinned = [UPPY_CDN_URL, PHOTOSWIPE_CDN_URL, LEAFLET_CDN_URL]
    assert from_environment({"HTMX_USE_CDN": "1"})["CDN_SCRIPT_URLS"] == pinned
    assert UPPY_CDN_URL.startswith("https://cdn.jsdelivr.net/npm/uppy@5.2.4/")
    assert from_environment({"HTMX_USE_CDN": "0"})["CDN_SCRIPT_URLS"] == []


def test_the_vendored_uppy_matches_the_pinned_integrity_hash():
    import base64
    import hashlib
    from pathlib import Path

    from portal.config import from_environment

    vendored = Path(__file__).resolve().parents[2] / "portal/static/vendor/uppy-5.2.4/uppy.min.js"
    digest = base64.b64encode(hashlib.sha384(vendored.read_bytes()).digest()).decode()
    assert from_environment({})["UPPY_SRI"] == f"sha384-{digest}"


def test_the_project_page_loads_uppy_from_its_pinned_url_with_the_vendored_copy_behind(app, database_url, tmp_path):
    from portal.config import UPPY_CDN_URL

    app = make_test_app(database_url, tmp_path, HTMX_USE_CDN=True, CDN_SCRIPT_URLS=[UPPY_CDN_URL])
    page = _project_page_of_an_operator(app)
    assert _script_src(page)[-1] == UPPY_CDN_URL
    assert f'<script src="{UPPY_CDN_URL}" integrity="{app.config["UPPY_SRI"]}" crossorigin="anonymous"' in page.text
    assert 'data-uppy-local="/static/vendor/uppy-5.2.4/uppy.min.js"' in page.text


def test_the_vendored_photoswipe_matches_the_pinned_integrity_hash():
    import base64
    import hashlib
    from pathlib import Path

    from portal.config import PHOTOSWIPE_CDN_URL, from_environment

    config = from_environment({})
    vendored = Path(__file__).resolve().parents[2] / "portal/static" / config["PHOTOSWIPE_LOCAL"]
    digest = base64.b64encode(hashlib.sha384(vendored.read_bytes()).digest()).decode()
    assert config["PHOTOSWIPE_SRI"] == f"sha384-{digest}"
    assert PHOTOSWIPE_CDN_URL == "https://cdn.jsdelivr.net/npm/photoswipe@5.4.4/dist/photoswipe.esm.min.js"


def test_the_gallery_preloads_photoswipe_from_its_pinned_url_with_sri(app, database_url, tmp_path):
    from portal.config import PHOTOSWIPE_CDN_URL, UPPY_CDN_URL

    for cdn in (True, False):
        urls = [UPPY_CDN_URL, PHOTOSWIPE_CDN_URL] if cdn else []
        app = make_test_app(database_url, tmp_path, HTMX_USE_CDN=cdn, CDN_SCRIPT_URLS=urls)
        page = _project_page_of_an_operator(app)
        source = PHOTOSWIPE_CDN_URL if cdn else "/static/vendor/photoswipe-5.4.4/photoswipe.esm.min.js"
        assert (PHOTOSWIPE_CDN_URL in _script_src(page)) is cdn
        preload = f'<link rel="modulepreload" href="{source}" integrity="{app.config["PHOTOSWIPE_SRI"]}"'
        assert preload in page.text
        assert 'type="module" src="/static/js/gallery.js"' in page.text
