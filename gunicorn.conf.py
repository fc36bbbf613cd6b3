"""Gunicorn settings for the web process; sized by WEB_CONCURRENCY like any Heroku-style dyno."""

import gc
import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
accesslog = "-"
errorlog = "-"
preload_app = True


def on_starting(server):
    """Keep portal link tokens out of the access log."""
    from portal import logs

    logs.install()


def when_ready(server):
    """Freeze the objects loaded with the app so the collector stops rescanning them."""
    gc.freeze()
