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
