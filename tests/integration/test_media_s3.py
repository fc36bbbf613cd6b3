"""On S3 a file's web-sized copies are a short presigned redirect to the bucket, which answers ranges itself."""

from urllib.error import HTTPError
from urllib.parse import parse_qs, urlsplit
from urllib.request import Request, urlopen

import pytest

from tests.conftest import make_test_app
from tests.media_world import make_media_world, open_portal, operator_browser

pytestmark = pytest.mark.s3


def _get(url: str, **headers):
    try:
        with urlopen(Request(url, headers=headers), timeout=10) as answer:
            return answer.status, answer.read(), answer.headers
    except HTTPError as error:
        return error.code, b"", error.headers


def test_media_redirect_to_a_presigned_get_that_honours_ranges(app, s3_server, database_url, tmp_path):
    app = make_test_app(database_url, tmp_path, **s3_server)
    with app.app_context():
        world = make_media_world()
    operator = operator_browser(app, world)
    browser = open_portal(app, world)
    response = browser.get(world.url(f"/files/{world.video_id}/media/proxy"))
    assert response.status_code == 302 and "no-store" in response.headers["Cache-Control"]
    location = response.headers["Location"]
    assert location.startswith(s3_server["S3_ENDPOINT_URL"])
    query = parse_qs(urlsplit(location).query)
    assert query["X-Amz-Expires"] == [str(app.config["DOWNLOAD_URL_SECONDS"])]
    assert query["response-content-type"] == ["video/mp4"]
    assert query["response-cache-control"] == ["private, max-age=3600"]
    assert _get(location)[:2] == (200, world.proxy_bytes)
    assert _get(location, Range="bytes=10-19")[:2] == (206, world.proxy_bytes[10:20])
    tampered = location.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    assert _get(tampered)[0] == 403
    preview = operator.get(f"/app/files/{world.photo_ids[0]}/media/preview")
    assert preview.status_code == 302
    status, _body, headers = _get(preview.headers["Location"])
    assert status == 200 and headers["Content-Type"] == "image/jpeg"
    assert browser.get(world.url(f"/files/{world.hidden_id}/media/preview")).status_code == 404
