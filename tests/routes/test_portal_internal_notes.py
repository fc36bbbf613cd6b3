"""An operator's comment on an item hidden from the client is an internal note: never in the client's thread,
badges or emails, even once the item is shared."""

from __future__ import annotations

import re

from portal.extensions import db, mail
from portal.jobs.email import deliver_notification
from portal.jobs.email import held as email_held
from portal.models import Message, Notification, Project
from portal.outbox import batched_message_ids
from portal.services.activity import Actor
from portal.services.messages import post_operator_message
from tests.conftest import HX, login
from tests.factories import make_user
from tests.portal_world import make_world, store
from tests.samples import png_bytes

OPERATOR = Actor("operator", "Maya")


def _world(app):
    with app.app_context():
        world = make_world(app, slug="notes")
        operator = login(app.test_client(), make_user(world.org, name="Maya"), world.org)
        ids = {
            "project": world.project.id,
            "hidden": world.hidden.id,
            "secret_file": world.secret_file.id,
            "review": world.review.id,
        }
    return world.browser, operator, ids


def _badge(page: str) -> str:
    return re.search(r'id="badge-projects">(.*?)</span>\s*(?:</a>|<)', page, re.S).group(1)


def test_notes_on_hidden_items_stay_with_the_team(app):
    browser, operator, ids = _world(app)
    project_url = f"/portal/notes/projects/{ids['project']}"
    poll_url = f"{project_url}/thread"
    badge_before = _badge(browser.get("/portal/notes/").text)
    etag = browser.get(poll_url, headers=HX).headers["ETag"]

    dashboard = operator.get(f"/app/projects/{ids['project']}").text
    assert "Internal note on SECRET-DRAFT (hidden from the client: only your team sees it)" in dashboard
    assert "Internal note on SECRET-FILE.png" in dashboard and "Comment on Stills (the client sees it)" in dashboard
    with mail.record_messages() as outbox:
        posted = operator.post(f"/app/deliverables/{ids['hidden']}/comments", data={"body": "NOTE-ON-DRAFT"})
        assert posted.status_code == 303
        posted = operator.post(f"/app/files/{ids['secret_file']}/comments", data={"body": "NOTE-ON-FILE"})
        assert posted.status_code == 303
    assert outbox == []
    with app.app_context():
        assert db.session.execute(db.select(Notification).where(Notification.kind == "messages")).first() is None
        assert db.session.execute(db.select(db.func.count()).where(Message.internal.is_(True))).scalar() == 2
    assert "internal note, not shown to the client" in operator.get(f"/app/projects/{ids['project']}").text

    page = browser.get(project_url).text
    assert "NOTE-ON" not in page and "Stills are ready" in page
    assert browser.get(poll_url, headers={**HX, "If-None-Match": etag}).status_code == 304
    assert _badge(browser.get("/portal/notes/").text) == badge_before

    # Shared later, the item shows; the notes written while it was hidden do not.
    assert operator.post(f"/app/deliverables/{ids['hidden']}/visibility", data={"client_visible": "1"}).status_code in (
        200,
        303,
    )
    page = browser.get(project_url).text
    assert "SECRET-DRAFT" in page and "NOTE-ON" not in page


def test_a_waiting_email_never_carries_a_message_that_is_internal_when_it_goes_out(app):
    # As for a batch waiting at the upgrade that marks earlier comments on hidden items internal.
    _browser, _operator, ids = _world(app)
    with app.app_context():
        project = db.session.get(Project, ids["project"])
        with email_held():
            kept = post_operator_message(project, OPERATOR, "op@example.com", "KEPT-MESSAGE")
            note = post_operator_message(project, OPERATOR, "op@example.com", "LATER-INTERNAL")
        notification = db.session.execute(db.select(Notification)).scalar_one()
        assert batched_message_ids(notification) == [kept.id, note.id]
        note.internal = True
        db.session.commit()
        with mail.record_messages() as outbox:
            assert deliver_notification(notification.id, inline=True) == "sent"
        assert len(outbox) == 1 and "KEPT-MESSAGE" in outbox[0].body and "LATER-INTERNAL" not in outbox[0].body
        with email_held():
            post_operator_message(project, OPERATOR, "op@example.com", "ALSO-LATER-INTERNAL")
        waiting = db.session.execute(db.select(Notification).where(Notification.status == "pending")).scalar_one()
        db.session.execute(db.update(Message).values(internal=True))
        db.session.commit()
        with mail.record_messages() as outbox:
            assert deliver_notification(waiting.id, inline=True) == "cancelled"
        assert outbox == []


def test_a_visible_file_inside_a_hidden_deliverable_counts_as_hidden(app):
    browser, operator, ids = _world(app)
    with app.app_context():
        world_project = db.session.get(Project, ids["project"])
        inside = store(world_project, "draft-grade.png", png_bytes(), "image/png")
        inside.deliverable_id = ids["hidden"]
        db.session.commit()
        file_id = inside.id
    # The client cannot comment or pin on it: it is not theirs to see.
    refused = browser.post(f"/portal/notes/files/{file_id}/comments", data={"body": "CLIENT-ON-HIDDEN"})
    assert refused.status_code == 404
    pinned = browser.post(f"/portal/notes/files/{file_id}/pins", data={"body": "PIN", "x": "0.5", "y": "0.5"})
    assert pinned.status_code == 404
    # The operator's comment on it is an internal note, out of the client's thread.
    assert operator.post(f"/app/files/{file_id}/comments", data={"body": "NOTE-INSIDE"}).status_code == 303
    with app.app_context():
        note = db.session.execute(db.select(Message).where(Message.body == "NOTE-INSIDE")).scalar_one()
        assert (
            note.internal
            and db.session.execute(db.select(Message).where(Message.body.like("CLIENT-%"))).first() is None
        )
    assert "NOTE-INSIDE" not in browser.get(f"/portal/notes/projects/{ids['project']}").text
