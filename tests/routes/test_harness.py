"""The test client serves requests as a real server does, even while a test holds an application context."""

import pytest
from flask import Response, stream_with_context
from sqlalchemy.orm.exc import DetachedInstanceError

from portal.extensions import db
from portal.models import Organization
from tests.conftest import make_test_app
from tests.factories import make_org


@pytest.fixture
def streaming_app(app, database_url, tmp_path):
    """An app with one route that streams attributes of an object loaded before its commit, as the ZIP once did."""
    streaming = make_test_app(database_url, tmp_path)

    @streaming.get("/stream/<int:org_id>")
    def stream(org_id: int):
        org = db.session.get(Organization, org_id)
        db.session.commit()  # expires the object: its attributes reload on next access

        def body():
            yield org.name

        return Response(stream_with_context(body()))

    with app.app_context():
        org_id = make_org("Streamed").id
    return streaming, org_id


def test_a_streamed_body_cannot_reach_the_requests_closed_session(streaming_app):
    streaming, org_id = streaming_app
    client = streaming.test_client()
    with pytest.raises(DetachedInstanceError):
        client.get(f"/stream/{org_id}")
    with streaming.app_context():  # a context held by the test changes nothing
        with pytest.raises(DetachedInstanceError):
            client.get(f"/stream/{org_id}")
