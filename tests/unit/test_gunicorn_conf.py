"""gunicorn.conf.py: threaded workers by default, and a real one-request-per-worker "sync" when asked."""

from __future__ import annotations

import runpy

import pytest

from tests.integration.mail_stack import ROOT


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, ("gthread", 8, 2)),
        ({"GUNICORN_THREADS": "4", "WEB_CONCURRENCY": "3"}, ("gthread", 4, 3)),
        # gunicorn would silently run "sync" with threads > 1 as gthread: sync means one thread.
        ({"GUNICORN_WORKER_CLASS": "sync"}, ("sync", 1, 2)),
    ],
)
def test_worker_class_threads_and_workers(monkeypatch, env, expected):
    for name in ("GUNICORN_WORKER_CLASS", "GUNICORN_THREADS", "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (settings["worker_class"], settings["threads"], settings["workers"]) == expected
    assert settings["preload_app"] is True
