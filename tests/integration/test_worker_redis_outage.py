"""Redis going away under a running worker, or absent when it starts: the worker waits instead of dying, its
sweeper keeps sending, and the queue is worked again once Redis returns — also in single-dyno mode."""

from __future__ import annotations

import time

from portal.extensions import db
from portal.models import Notification, Organization, Project, User
from tests.integration.mail_stack import (
    GUNICORN,
    Inbox,
    PrivateRedis,
    SMTPServer,
    free_port,
    queue_name,
    serving,
    wait_for,
)
from tests.integration.test_email_delivery import _post, _world, make_stack  # noqa: F401  (the fixture)
from tests.integration.test_procfile import Browser, _env

DOWN_LINE = "Redis does not answer"
BACK_LINE = "Redis answers again"


def _world_ids() -> tuple[int, int, int]:
    org, operator, project = _world()
    return org.id, operator.id, project.id


def _say_as(stack, ids: tuple[int, int, int], body: str) -> None:
    """Post an operator message through the web app, in a request context of its own."""
    with stack.app.app_context():
        org, operator, project = (
            db.session.get(Organization, ids[0]),
            db.session.get(User, ids[1]),
            db.session.get(Project, ids[2]),
        )
        _post(stack.app, operator, org, project, body)
        db.session.remove()


def _health(app) -> tuple[int, dict]:
    response = app.test_client().get("/healthz")
    return response.status_code, response.json


def _delivered(stack, count: int, what: str):
    wait_for(lambda: len(stack.inbox.delivered) >= count, timeout=30, what=what)


def _sent_id(body: str) -> int:
    return wait_for(
        lambda: db.session.execute(
            db.select(Notification.id).where(Notification.status == "sent").order_by(Notification.id.desc())
        ).first(),
        what=f"the row of {body!r}",
    )[0]


def test_worker_survives_redis_going_away_and_resumes_by_itself(make_stack, ctx):  # noqa: F811
    private = PrivateRedis()
    private.start()
    stack = make_stack(redis_url=private.url)
    try:
        with stack.app.app_context():
            ids = _world_ids()
        worker = stack.worker()
        _say_as(stack, ids, "Before the outage")
        _delivered(stack, 1, "the email sent before the outage")
        with stack.app.app_context():
            wait_for(lambda: _health(stack.app)[1].get("worker") == "ok", what="the worker's heartbeat")

        private.stop()
        # Written while Redis is down: the sweeper sends it without a job.
        _say_as(stack, ids, "During the outage")
        with stack.app.app_context():
            _delivered(stack, 2, "the email written during the outage")
            wait_for(
                lambda: (
                    _health(stack.app)
                    == (
                        503,
                        {
                            "status": "error",
                            "database": "ok",
                            "redis": "error: ConnectionError",
                            "worker": "waiting for Redis",
                        },
                    )
                ),
                what="/healthz to report the worker waiting for Redis",
            )
        time.sleep(4)  # several sweeps and retries: still one line in the log, and the process is alive
        assert worker.process.poll() is None, worker.output()

        private.start()  # the same port, empty
        with stack.app.app_context():
            wait_for(
                lambda: _health(stack.app) == (200, {"status": "ok", "database": "ok", "redis": "ok", "worker": "ok"}),
                what="/healthz to report the worker working again",
            )
        _say_as(stack, ids, "After the outage")
        _delivered(stack, 3, "the email written after Redis returned")
        after_id = _sent_id("After the outage")
        wait_for(lambda: f"deliver_notification({after_id})" in worker.output(), what="the job run by the worker")
        time.sleep(1.5)
        texts = stack.inbox.texts()
        assert len(texts) == 3
        for text, body in zip(texts, ("Before the outage", "During the outage", "After the outage")):
            assert body in text
        output = worker.output()
        assert worker.process.poll() is None, output
        assert output.count(DOWN_LINE) == 1 and output.count(BACK_LINE) == 1, output
        assert "could not connect to Redis" not in output and "Traceback" not in output, output
        assert f"notification {after_id} (messages) sent" in output  # the app's INFO lines reach stdout
    finally:
        for started in list(stack.workers):
            started.stop()
        private.stop()


def test_worker_started_while_redis_is_down_sends_and_then_works_the_queue(make_stack, ctx):  # noqa: F811
    private = PrivateRedis()
    stack = make_stack(redis_url=private.url)
    try:
        with stack.app.app_context():
            ids = _world_ids()
        _say_as(stack, ids, "Written before any Redis")
        worker = stack.worker()
        _delivered(stack, 1, "the email sent by the sweeper without Redis")
        time.sleep(3)
        assert worker.process.poll() is None, worker.output()
        with stack.app.app_context():
            assert _health(stack.app)[1]["worker"] == "waiting for Redis"
        private.start()
        with stack.app.app_context():
            wait_for(lambda: _health(stack.app)[1].get("worker") == "ok", what="the worker to find Redis")
        _say_as(stack, ids, "Once Redis is up")
        _delivered(stack, 2, "the email sent through the queue")
        queued_id = _sent_id("Once Redis is up")
        wait_for(lambda: f"deliver_notification({queued_id})" in worker.output(), what="the job run by the worker")
        output = worker.output()
        assert output.count(DOWN_LINE) == 1 and output.count(BACK_LINE) == 1, output
        assert len(stack.inbox.delivered) == 2
    finally:
        for started in list(stack.workers):
            started.stop()
        private.stop()


def test_single_dyno_mode_survives_a_redis_outage(app, ctx, database_url, tmp_path):
    from tests.integration.test_procfile import _world as procfile_world

    email, project_id = procfile_world()
    db.session.remove()
    private = PrivateRedis()
    private.start()
    inbox, port, log = Inbox(), free_port(), tmp_path / "gunicorn.log"
    with SMTPServer(inbox) as smtp:
        env = _env(database_url, tmp_path, smtp.port, queue_name(), PORT=str(port), WEB_RUNS_WORKER="1")
        env["REDIS_URL"] = private.url
        try:
            with serving(GUNICORN, env, log, port) as base:
                browser = Browser(base)
                browser.sign_in(email)
                private.stop()
                browser.post_message(project_id, "Posted during the outage")
                wait_for(lambda: len(inbox.delivered) == 1, timeout=30, what="the email sent during the outage")
                time.sleep(3)
                private.start()
                wait_for(lambda: _json(base).get("worker") == "ok", timeout=30, what="the worker to find Redis again")
                browser.post_message(project_id, "Posted after the outage")
                wait_for(lambda: len(inbox.delivered) == 2, timeout=30, what="the email sent after the outage")
        finally:
            private.stop()
    output = log.read_text()
    assert "email worker exited" not in output, output
    assert output.count(DOWN_LINE) == 1 and output.count(BACK_LINE) == 1, output
    texts = inbox.texts()
    assert "Posted during the outage" in texts[0] and "Posted after the outage" in texts[1]


def _json(base: str) -> dict:
    import json
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        return json.loads(error.read())
    except OSError:
        return {}
