"""The gallery, the video player and the pinned-comment pages are valid HTML on both sides (the Nu Html Checker)."""

from tests.conftest import HX
from tests.integration import vnu
from tests.media_world import make_media_world, open_portal, operator_browser


def test_gallery_and_pin_pages_are_valid_html(app, tmp_path):
    jar = vnu.jar()
    with app.app_context():
        world = make_media_world()
    operator = operator_browser(app, world)
    client = open_portal(app, world)
    # One pin of each kind and one refused, so markers, moments and the error are on the pages too.
    client.post(world.url(f"/files/{world.photo_ids[0]}/pins"), data={"body": "Here", "x": "0.3", "y": "0.6"})
    client.post(world.url(f"/files/{world.video_id}/pins"), data={"body": "Now", "time": "2"})
    pages = {
        "portal-project": client.get(world.url(f"/projects/{world.project_id}")),
        "portal-photo": client.get(world.url(f"/files/{world.photo_ids[0]}/pins")),
        "portal-video": client.get(world.url(f"/files/{world.video_id}/pins")),
        "portal-pending": client.get(world.url(f"/files/{world.pending_id}/pins")),
        "portal-refused": client.post(
            world.url(f"/files/{world.photo_ids[0]}/pins"), data={"body": "x", "x": "2", "y": "0"}
        ),
        "operator-project": operator.get(f"/app/projects/{world.project_id}"),
        "operator-photo": operator.get(f"/app/files/{world.photo_ids[0]}/pins"),
        "operator-video": operator.get(f"/app/files/{world.video_id}/pins"),
    }
    files = []
    for name, response in pages.items():
        assert response.status_code in (200, 422), name
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.data)
        files.append(path)
    fragment = client.post(
        world.url(f"/files/{world.photo_ids[1]}/pins"), data={"body": "x", "x": "0.1", "y": "0.1"}, headers=HX
    )
    assert fragment.status_code == 200 and fragment.text.lstrip().startswith('<section id="pins"')
    assert vnu.errors(jar, files) == []
