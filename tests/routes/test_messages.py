"""The operator side of a project's thread."""

from portal.extensions import db
from portal.models import Message
from portal.models.message import MAX_BODY
from tests.conftest import HX, login
from tests.factories import make_org, make_project, make_user


def _setup(client):
    org = make_org()
    user = make_user(org, name="Maya")
    login(client, user, org)
    return make_project(org)


def test_post_message_fragment_and_full(client, ctx):
    project = _setup(client)
    fragment = client.post(f"/app/projects/{project.id}/messages", data={"body": "Flight is on Friday"}, headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'id="project-thread"' in fragment.text and "Flight is on Friday" in fragment.text and "Maya" in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    full = client.post(f"/app/projects/{project.id}/messages", data={"body": "Second"})
    assert full.status_code == 303 and full.headers["Location"].endswith("#project-thread")
    rows = db.session.execute(db.select(Message.sender_type, Message.body).order_by(Message.id)).all()
    assert rows == [("operator", "Flight is on Friday"), ("operator", "Second")]


def test_message_bodies_are_escaped(client, ctx):
    project = _setup(client)
    client.post(f"/app/projects/{project.id}/messages", data={"body": "<script>alert(1)</script>"})
    page = client.get(f"/app/projects/{project.id}").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_empty_and_too_long_messages_rejected(client, ctx):
    project = _setup(client)
    empty = client.post(f"/app/projects/{project.id}/messages", data={"body": "   "}, headers=HX)
    assert empty.status_code == 200 and "Write a message first" in empty.text
    long = client.post(f"/app/projects/{project.id}/messages", data={"body": "x" * (MAX_BODY + 1)})
    assert long.status_code == 422 and "Keep a message under" in long.text
    assert db.session.execute(db.select(db.func.count(Message.id))).scalar() == 0


def test_foreign_project_thread_is_404(client, ctx):
    _setup(client)
    foreign = make_project(make_org())
    assert client.post(f"/app/projects/{foreign.id}/messages", data={"body": "hi"}).status_code == 404
    assert db.session.execute(db.select(db.func.count(Message.id))).scalar() == 0


def test_comments_only_on_items_of_the_same_project_and_for_clients_visible_ones(app):
    import pytest

    from portal.services import messages
    from portal.services.activity import Actor
    from portal.services.errors import ServiceError
    from tests.factories import make_client, make_deliverable
    from tests.portal_world import store
    from tests.samples import png_bytes

    with app.app_context():
        org = make_org()
        user = make_user(org)
        customer = make_client(org)
        project, other = make_project(org, customer), make_project(org, customer)
        hidden = make_deliverable(project, client_visible=False)
        foreign = make_deliverable(other, client_visible=True)
        foreign_file = store(other, "pier.png", png_bytes(), "image/png", foreign)
        operator, client = Actor.operator(user), Actor.client(customer.email, None, None)
        with pytest.raises(ServiceError, match="deliverable is not part"):
            messages.post_operator_message(project, operator, user.email, "Hi", deliverable_id=foreign.id)
        with pytest.raises(ServiceError, match="file is not part"):
            messages.post_operator_message(project, operator, user.email, "Hi", file_id=foreign_file.id)
        with pytest.raises(ServiceError, match="deliverable is not part"):
            messages.post_client_message(project, client, None, "Hi", deliverable_id=hidden.id)
        note = messages.post_operator_message(project, operator, user.email, "Note", deliverable_id=hidden.id)
        assert note.internal
