"""Many people posting on one project at once, with a worker sending batches meanwhile: every message reaches
every recipient in exactly one email."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter

from portal.extensions import db
from portal.jobs.email import claim, held
from portal.models import MessageRead, Notification, Project, User
from portal.outbox import batched_message_ids
from portal.services.activity import Actor
from portal.services.messages import post_client_message, post_operator_message
from tests.factories import make_client, make_link, make_org, make_project, make_user
from tests.integration.mail_stack import body_text, wait_for
from tests.integration.test_email_delivery import make_stack  # noqa: F401  (the fixture)

THREADS = 8
EACH = 12
MOST = 200
CLAIMED = threading.Event()
CLIENTS = ("alex@harbourview.example", "sam@harbourview.example")
OPERATORS = ("maya@skyline.example", "tom@skyline.example")
TAG = re.compile(r"\bpost-\d+-\d+-[a-z]+\b")


def _world():
    org = make_org("Skyline Drone Works")
    operators = [make_user(org, email=email, name=email.split("@")[0]) for email in OPERATORS]
    customer = make_client(org, email=CLIENTS[0], name="Alex Morgan")
    project = make_project(org, customer, name="Marina twilight shoot")
    make_link(org, customer, project)
    make_link(org, customer, project, email=CLIENTS[1])
    # The client has read the thread before (the first read marker is not what this test is about).
    db.session.add(MessageRead(project_id=project.id, reader_email=CLIENTS[0], last_read_message_id=0))
    db.session.commit()
    return project.id, [user.id for user in operators]


def _poster(app, project_id: int, user_id: int, n: int, barrier: threading.Barrier, errors: list, posted: list):
    barrier.wait()
    # At least EACH posts, and two more once the worker was seen claiming a batch (however slow it was to
    # start on a busy machine), so some posts always arrive after a claim.
    i, after_claim = 0, 0
    while i < EACH or after_claim < 2:
        if i >= MOST:
            break
        if CLAIMED.is_set():
            after_claim += 1
        # Operators and the client alternate, so both kinds of batch are written at once.
        side = "operator" if (n + i) % 2 else "client"
        tag = f"post-{n}-{i}-{side}"
        try:
            with app.app_context():
                project = db.session.get(Project, project_id)
                if side == "operator":
                    user = db.session.get(User, user_id)
                    post_operator_message(project, Actor.operator(user), user.email, f"Update {tag} from the field")
                else:
                    actor = Actor("client", CLIENTS[0])
                    post_client_message(project, actor, "Alex Morgan", f"Question {tag} about the shoot")
                db.session.remove()
            posted.append(tag)
            time.sleep(0.1)  # the posts span several batch windows, so batches are claimed while others arrive
        except Exception as exc:  # noqa: BLE001 (kept to fail the test with the reason)
            errors.append(f"{tag}: {exc!r}")
        i += 1


def _watch_claims(app, stop: threading.Event) -> None:
    """Set CLAIMED once the worker has taken a batch out of the waiting state."""
    while not stop.is_set():
        with app.app_context():
            if db.session.execute(db.select(Notification.id).where(Notification.status != "pending").limit(1)).first():
                CLAIMED.set()
                return
            db.session.remove()
        time.sleep(0.1)


def test_simultaneous_posts_each_reach_every_recipient_exactly_once(make_stack, ctx):  # noqa: F811
    stack = make_stack(EMAIL_BATCH_SECONDS=1)
    with stack.app.app_context():
        project_id, user_ids = _world()
    db.session.remove()
    stack.worker()  # sweeps every second: batches are claimed and sent while the posts go on
    barrier = threading.Barrier(THREADS)
    errors: list[str] = []
    posted: list[str] = []
    CLAIMED.clear()
    stop = threading.Event()
    watcher = threading.Thread(target=_watch_claims, args=(stack.app, stop))
    watcher.start()
    threads = [
        threading.Thread(target=_poster, args=(stack.app, project_id, user_ids[n % 2], n, barrier, errors, posted))
        for n in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    stop.set()
    watcher.join(timeout=5)
    assert not errors, errors[:5]
    assert len(posted) >= THREADS * EACH

    def all_sent():
        return (
            not db.session.execute(db.select(Notification.id).where(Notification.status != "sent").limit(1)).first()
            and len(stack.inbox.delivered) == db.session.execute(db.select(db.func.count(Notification.id))).scalar()
        )

    wait_for(all_sent, timeout=60, interval=0.3, what="every batch to be sent")
    time.sleep(2)  # a late or second delivery would show up within two sweeps
    per_recipient = Counter(mail["to"][0] for mail in stack.inbox.delivered)
    assert max(per_recipient.values()) > 1, f"no batch was claimed while posts went on: {per_recipient}"
    received: dict[str, Counter] = {}
    for mail in stack.inbox.delivered:
        (to,) = mail["to"]
        text = body_text(mail["message"])
        received.setdefault(to, Counter()).update(TAG.findall(text))
    operator_posts = {tag for tag in posted if tag.endswith("operator")}
    client_posts = {tag for tag in posted if tag.endswith("client")}
    for recipient, expected in [*((c, operator_posts) for c in CLIENTS), *((o, client_posts) for o in OPERATORS)]:
        counts = received.get(recipient, Counter())
        missing = expected - set(counts)
        twice = {tag: count for tag, count in counts.items() if count > 1}
        assert not missing, f"{recipient} never heard of {len(missing)} of {len(expected)} messages"
        assert not twice, f"{recipient} got messages more than once: {twice}"
        assert set(counts) == expected, recipient


def test_a_message_arriving_just_after_the_claim_starts_the_next_email(app, ctx):
    project_id, user_ids = _world()
    project, user = db.session.get(Project, project_id), db.session.get(User, user_ids[0])
    with held():  # the rows stay in the outbox, as while a batch waits for its window to close
        first = post_operator_message(project, Actor.operator(user), user.email, "Before the claim")
        waiting_id = db.session.execute(
            db.select(Notification.id).where(Notification.to_email == CLIENTS[0])
        ).scalar_one()
        assert claim(waiting_id, inline=True)  # a worker takes the batch
        late = post_operator_message(project, Actor.operator(user), user.email, "Just after the claim")
    rows = (
        db.session.execute(db.select(Notification).where(Notification.to_email == CLIENTS[0]).order_by(Notification.id))
        .scalars()
        .all()
    )
    assert [row.id for row in rows][0] == waiting_id and len(rows) == 2
    assert batched_message_ids(rows[0]) == [first.id] and rows[0].status == "sending"
    assert batched_message_ids(rows[1]) == [late.id] and rows[1].status == "pending"
    assert rows[1].subject == "A new message about Marina twilight shoot"
