"""What /healthz says about the workers, and the worker's log lines on stdout with tokens redacted."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from flask.logging import default_handler

from portal.extensions import db
from portal.jobs.worker import log_to_stdout
from portal.models import WorkerHeartbeat
from tests.conftest import make_test_app
from tests.integration.mail_stack import SHARED_REDIS


def _beat(name: str, status: str, seconds_ago: int) -> None:
    seen = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    db.session.add(WorkerHeartbeat(id=name, status=status, started_at=seen, seen_at=seen))
    db.session.commit()


def test_healthz_reports_the_workers_from_their_heartbeats(app, database_url, tmp_path):
    with_redis = make_test_app(database_url, tmp_path / "storage", REDIS_URL=SHARED_REDIS, EMAIL_SWEEP_SECONDS=15)
    browser = with_redis.test_client()
    assert browser.get("/healthz").json == {"status": "ok", "database": "ok", "redis": "ok", "worker": "not running"}
    with with_redis.app_context():
        _beat("dyno-1:7", "ok", seconds_ago=120)  # a worker killed two minutes ago
    assert browser.get("/healthz").json["worker"] == "not running"
    with with_redis.app_context():
        _beat("dyno-2:9", "waiting for Redis", seconds_ago=5)
    response = browser.get("/healthz")
    assert response.status_code == 200 and response.json["worker"] == "waiting for Redis"
    with with_redis.app_context():
        _beat("dyno-3:4", "ok", seconds_ago=1)
    assert browser.get("/healthz").json["worker"] == "ok"
    # Without Redis there is no worker side to report (jobs run in the web process).
    assert app.test_client().get("/healthz").json == {"status": "ok", "database": "ok", "redis": "not configured"}


def test_worker_info_lines_reach_stdout_without_tokens(app, capsys):
    logger = app.logger
    level, handlers = logger.level, list(logger.handlers)
    try:
        log_to_stdout(app)
        logger.info("notification 7 (invitation) sent; link /p/AbCdEfGh12345678_-xyz opened")
        out = capsys.readouterr().out
    finally:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        for handler in handlers or [default_handler]:
            logger.addHandler(handler)
        logger.setLevel(level)
    assert "INFO portal: notification 7 (invitation) sent" in out
    assert "/p/[redacted]" in out and "AbCdEfGh12345678" not in out
    assert logging.getLogger(logger.name).level == level
