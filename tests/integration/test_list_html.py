"""The pager, the filters and the search results are valid HTML (the demo is too small to show a second page)."""

from __future__ import annotations

from types import SimpleNamespace

from portal.extensions import db
from portal.models import Activity, Project
from tests.conftest import HX, login
from tests.factories import make_client, make_org, make_user
from tests.integration import vnu


def test_paged_lists_and_search_results_validate(app, tmp_path):
    with app.app_context():
        org = make_org()
        user, customer = make_user(org), make_client(org, name="Pager & Co")
        db.session.add_all(Project(org_id=org.id, client_id=customer.id, name=f"Survey {n}") for n in range(120))
        db.session.add_all(
            Activity(org_id=org.id, actor_type="system", actor_label="S", verb="v", summary=f"Survey {n} moved")
            for n in range(60)
        )
        db.session.commit()
        user, org = SimpleNamespace(id=user.id), SimpleNamespace(id=org.id)
    client = login(app.test_client(), user, org)
    pages = {
        "projects-2.html": client.get("/app/projects?q=survey&page=2").text,
        "activity-2.html": client.get("/app/activity?q=survey&page=2").text,
        "clients.html": client.get("/app/clients?q=pager").text,
        "search.html": client.get("/app/search?q=survey").text,
        "search-empty.html": client.get("/app/search").text,
    }
    assert 'rel="prev"' in pages["projects-2.html"] and 'rel="next"' in pages["projects-2.html"]
    fragment = client.get("/app/projects?q=survey&page=3", headers=HX).text
    assert 'rel="next"' not in fragment and "101–120 of 120" in fragment
    files = []
    for name, html in pages.items():
        path = tmp_path / name
        path.write_text(html)
        files.append(path)
    assert vnu.errors(vnu.jar(), files) == []
