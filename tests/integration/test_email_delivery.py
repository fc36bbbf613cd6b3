"""Email through the outbox, RQ and SMTP, with the real parts: Redis, `flask worker` processes and an SMTP server."""

from __future__ import annotations

import re
import time

import pytest
from redis import Redis
from rq import Queue

from portal.extensions import db
from portal.jobs.email import deliver_notification
from portal.models import Notification, Organization
from tests.conftest import login, make_test_app
from tests.factories import make_client, make_link, make_org, make_project, make_user
from tests.integration.mail_stack import (
    BLOCK,
    SHARED_REDIS,
    Inbox,
    PrivateRedis,
    SMTPServer,
    Worker,
    body_text,
    forget_queue,
    queue_name,
    wait_for,
    worker_env,
)

PUBLIC = "https://portal.example"


class Stack:
    """The web app (in this process), its queue and SMTP server, and the workers a test starts."""

    def __init__(self, app, smtp: SMTPServer, redis_url: str, tmp_path):
        self.app = app
        self.smtp = smtp
        self.inbox = smtp.inbox
        self.redis_url = redis_url
        self.tmp_path = tmp_path
        self.workers: list[Worker] = []

    def worker(self, burst: bool = False, plain_rq: bool = False, **env) -> Worker:
        log = self.tmp_path / f"worker{len(self.workers)}.log"
        worker = Worker(worker_env(self.app, **env), log, burst=burst, plain_rq=plain_rq)
        self.workers.append(worker)
        return worker

    def send_only_email(self, what: str) -> dict:
        """Start a worker and wait for the email it sends, then for as long as a second one would take; the one
        delivered (to, message, …)."""
        self.worker()
        with self.app.app_context():
            wait_for(lambda: self.inbox.delivered, what=what)
        time.sleep(1.5)  # a second delivery would show up within the sweeper's period
        assert len(self.inbox.delivered) == 1
        return self.inbox.delivered[0]

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        forget_queue(self.redis_url, self.app.config["RQ_QUEUE"])

    def logs(self) -> str:
        return "\n".join(w.output() for w in self.workers)


def _stack_app(database_url, tmp_path, redis_url: str, smtp: SMTPServer, **overrides):
    settings = {
        "REDIS_URL": redis_url,
        "RQ_QUEUE": queue_name(),
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp.port,
        "MAIL_SUPPRESS_SEND": False,
        "MAIL_DEFAULT_SENDER": "notifications@portal.example",
        "PUBLIC_URL": PUBLIC,
        "EMAIL_BATCH_SECONDS": 0,
    }
    return make_test_app(database_url, tmp_path / "storage", **{**settings, **overrides})


@pytest.fixture
def make_stack(app, database_url, tmp_path):
    """Build a stack around an SMTP script (and optionally another Redis); everything stops at the end."""
    opened = []

    def build(script=(), redis_url: str = SHARED_REDIS, **overrides) -> Stack:
        smtp = SMTPServer(Inbox(script)).__enter__()
        stack = Stack(_stack_app(database_url, tmp_path, redis_url, smtp, **overrides), smtp, redis_url, tmp_path)
        opened.append(stack)
        return stack

    yield build
    for stack in opened:
        stack.close()
        stack.smtp.__exit__(None, None, None)


def _world(accent="#0f766e", notify=True):
    org = make_org("Skyline Drone Works", contact_email="hello@skyline.example", accent_color=accent)
    org.logo_key = f"org/{org.id}/logo/abc123def.png"
    db.session.commit()
    operator = make_user(org, name="Maya Okafor")
    customer = make_client(org, email="alex@harbourview.example", name="Alex Morgan")
    project = make_project(org, customer, name="Marina twilight shoot")
    make_link(org, customer, project, notify_email=notify)
    return org, operator, project


def _post(app, operator, org, project, body: str):
    browser = login(app.test_client(), operator, org)
    response = browser.post(f"/app/projects/{project.id}/messages", data={"body": body})
    assert response.status_code == 303, response.status_code
    return response


def test_operator_message_sends_exactly_one_branded_email(make_stack, ctx):
    stack = make_stack()
    with stack.app.app_context():
        org, operator, project = _world()
        org_id, slug, project_id = org.id, org.slug, project.id
        _post(stack.app, operator, org, project, "The edit is ready, have a look!")
    mail = stack.send_only_email("the email")
    message = mail["message"]
    assert mail["to"] == ["alex@harbourview.example"]
    assert message["From"] == "Skyline Drone Works <notifications@portal.example>"
    assert message["Reply-To"] == "hello@skyline.example"
    assert message["Subject"] == "A new message about Marina twilight shoot"
    notification = db.session.execute(db.select(Notification)).scalar_one()
    assert message["Message-ID"] == f"<notification-{notification.id}@portal.example>"
    assert notification.status == "sent" and notification.attempts == 1 and notification.org_id == org_id
    html = body_text(message, "html")
    text = body_text(message)
    project_url = f"{PUBLIC}/portal/{slug}/projects/{project_id}#thread"
    for part in (html, text):
        assert "Skyline Drone Works" in part and "hello@skyline.example" in part
        assert "The edit is ready, have a look!" in part
        assert project_url in part
        assert "/p/" not in part  # no token: the portal link itself is only in invitations
    assert "#0f766e" in html
    assert f"{PUBLIC}/media/logo/{org_id}/abc123def.png" in html


def test_notifications_off_sends_nothing(make_stack, ctx):
    stack = make_stack()
    with stack.app.app_context():
        org, operator, project = _world(notify=False)
        _post(stack.app, operator, org, project, "Nobody hears this")
    stack.worker(burst=True).process.wait(timeout=30)
    assert db.session.execute(db.select(db.func.count(Notification.id))).scalar() == 0
    assert stack.inbox.delivered == [] and stack.inbox.data_commands == 0


def test_a_burst_of_messages_becomes_one_email(make_stack, ctx):
    stack = make_stack(EMAIL_BATCH_SECONDS=2)
    with stack.app.app_context():
        org, operator, project = _world()
        for n in range(5):
            _post(stack.app, operator, org, project, f"Burst message number {n}")
    assert db.session.execute(db.select(db.func.count(Notification.id))).scalar() == 1
    db.session.remove()
    message = stack.send_only_email("the batched email")["message"]
    assert message["Subject"] == "5 new messages about Marina twilight shoot"
    text = body_text(message)
    assert all(f"Burst message number {n}" in text for n in range(5))


def test_redis_down_at_the_event_then_delivered_when_it_returns(make_stack, ctx):
    private = PrivateRedis()
    private.start()
    try:
        stack = make_stack(redis_url=private.url)
        with stack.app.app_context():
            org, operator, project = _world()
            private.stop()
            _post(stack.app, operator, org, project, "Sent while Redis was down")
            assert stack.app.test_client().get("/healthz").status_code == 503
        notification = db.session.execute(db.select(Notification)).scalar_one()
        assert notification.status == "pending" and notification.attempts == 0
        db.session.remove()
        private.start()  # same port, empty: nothing of the event survived in Redis
        stack.worker()
        wait_for(lambda: stack.inbox.delivered, what="the email after Redis returned")
        assert len(stack.inbox.delivered) == 1
        assert "Sent while Redis was down" in stack.inbox.texts()[0]
        with stack.app.app_context():
            health = stack.app.test_client().get("/healthz").json
            assert health == {"status": "ok", "database": "ok", "redis": "ok", "worker": "ok"}
    finally:
        for worker in list(stack.workers):
            worker.stop()
        private.stop()


def test_rate_limited_pages_keep_working_while_redis_is_down(app, database_url, tmp_path, ctx):
    private = PrivateRedis()
    private.start()
    limited = make_test_app(
        database_url,
        tmp_path / "storage",
        REDIS_URL=private.url,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=private.url,  # the app's own fallback settings apply
    )
    try:
        with limited.app_context():
            org = make_org()
            customer = make_client(org)
            _link, token = make_link(org, customer, make_project(org, customer))
            browser = limited.test_client()
            assert browser.get(f"/p/{token}").status_code == 200
            private.stop()
            assert browser.get(f"/p/{token}").status_code == 200
            assert browser.post(f"/p/{token}").status_code == 303
            db.session.remove()
    finally:
        private.stop()


def test_temporary_smtp_failures_are_retried_and_delivered_once(make_stack, ctx):
    stack = make_stack(script=["421 4.3.0 Try again later", "421 4.3.0 Try again later"])
    with stack.app.app_context():
        org, operator, project = _world()
        _post(stack.app, operator, org, project, "Third time lucky")
    stack.worker()
    notification = wait_for(
        lambda: db.session.execute(db.select(Notification).where(Notification.status == "sent")).scalar_one_or_none(),
        timeout=30,
        what="delivery after two 421 answers",
    )
    assert notification.attempts == 3
    assert stack.inbox.data_commands == 3 and len(stack.inbox.delivered) == 1


def test_permanent_smtp_failure_is_shown_on_the_email_log(make_stack, ctx):
    stack = make_stack(script=["550 5.1.1 Mailbox unavailable"])
    with stack.app.app_context():
        org, operator, project = _world()
        _post(stack.app, operator, org, project, "This one bounces")
        org_id, operator_id = org.id, operator.id
    stack.worker()
    wait_for(
        lambda: db.session.execute(db.select(Notification).where(Notification.status == "failed")).first(),
        what="the failure",
    )
    notification = db.session.execute(db.select(Notification)).scalar_one()
    assert notification.attempts == 1 and "550" in notification.last_error
    assert "Mailbox unavailable" in notification.last_error
    with stack.app.app_context():
        org = db.session.get(Organization, org_id)
        from portal.models import User

        browser = login(stack.app.test_client(), db.session.get(User, operator_id), org)
        page = browser.get("/app/emails?status=failed").text
    assert "550 5.1.1 Mailbox unavailable" in page and "alex@harbourview.example" in page
    assert f"/app/emails/{notification.id}/retry" in page
    assert stack.inbox.delivered == []


def test_worker_killed_mid_job_delivers_once(make_stack, ctx):
    stack = make_stack(script=[BLOCK])
    with stack.app.app_context():
        org, operator, project = _world()
        _post(stack.app, operator, org, project, "Survives a dead worker")
    first = stack.worker()
    assert stack.inbox.blocked.wait(20), first.output()
    first.kill()  # SIGKILL while the SMTP server waits in DATA: the row stays "sending"
    stuck = db.session.execute(db.select(Notification)).scalar_one()
    assert stuck.status == "sending"
    db.session.remove()
    stack.worker(EMAIL_STUCK_SECONDS=2)
    notification = wait_for(
        lambda: db.session.execute(db.select(Notification).where(Notification.status == "sent")).scalar_one_or_none(),
        timeout=30,
        what="delivery by the second worker",
    )
    time.sleep(1.5)
    assert len(stack.inbox.delivered) == 1 and notification.attempts == 2
    stack.inbox.unblock.set()


def test_the_same_job_enqueued_twice_sends_one_email(make_stack, ctx):
    stack = make_stack()
    with stack.app.app_context():
        org, operator, project = _world()
        _post(stack.app, operator, org, project, "Only once")
        notification_id = db.session.execute(db.select(Notification.id)).scalar_one()
    queue = Queue(stack.app.config["RQ_QUEUE"], connection=Redis.from_url(stack.redis_url))
    # The job the service enqueued, plus two copies under other ids, as a redelivery would produce.
    queue.enqueue(deliver_notification, notification_id, job_id=f"{queue.name}-copy-1")
    queue.enqueue(deliver_notification, notification_id, job_id=f"{queue.name}-copy-2")
    worker = stack.worker(burst=True, plain_rq=True)  # the stock `rq worker`: jobs build the app themselves
    assert worker.process.wait(timeout=60) == 0, worker.output()
    assert len(stack.inbox.delivered) == 1 and stack.inbox.data_commands == 1
    assert len(re.findall(r"Job OK", worker.output())) >= 3
    assert db.session.get(Notification, notification_id).attempts == 1
