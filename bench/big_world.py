"""The records the big-file benchmark works on (run inside an app context by bench.big_stack.setup_world)."""

from __future__ import annotations

from tests.factories import PASSWORD, make_client, make_deliverable, make_link, make_org, make_project, make_user


def build() -> dict:
    """An operator, a client with a portal link, a project and two client-visible deliverables."""
    org = make_org("Big Files Aerial")
    operator = make_user(org, email="operator@bigfiles.example")
    client = make_client(org, email="client@bigfiles.example")
    project = make_project(org, client, status="in_progress")
    flight = make_deliverable(project, title="Flight video", client_visible=True, status="ready", version=1)
    mosaic = make_deliverable(project, title="Orthomosaics", client_visible=True, status="ready", version=1)
    _link, token = make_link(org, client, project)
    return {
        "email": operator.email,
        "password": PASSWORD,
        "org_id": org.id,
        "slug": org.slug,
        "project_id": project.id,
        "flight_id": flight.id,
        "mosaic_id": mosaic.id,
        "token": token,
    }
