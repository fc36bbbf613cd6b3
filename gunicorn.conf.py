"""Gunicorn settings for the web process: WEB_CONCURRENCY workers of GUNICORN_THREADS threads each.

Threaded workers (`gthread`) keep pages fast while big local files stream: a download holds one thread, not a
whole worker. GUNICORN_WORKER_CLASS=sync restores one request per worker.

With WEB_RUNS_WORKER=1 (single-dyno mode) the master also runs the email worker (`flask --app wsgi worker`)
beside the web workers, restarting it if it exits, and stops it on shutdown.
"""

import gc
import os
import subprocess
import sys
import threading

bind = f"{os.environ.get('BIND_HOST', '0.0.0.0')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
# gunicorn turns "sync" into "gthread" whenever threads > 1: one thread unless the class is threaded.
threads = int(os.environ.get("GUNICORN_THREADS", "8" if worker_class == "gthread" else "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
accesslog = "-"
errorlog = "-"
preload_app = True

_email_worker = {"process": None, "stopping": False}


def on_starting(server):
    """Keep portal link tokens out of the access log."""
    from portal import logs

    logs.install()


def _run_email_worker(server):
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]
    while not _email_worker["stopping"]:
        process = subprocess.Popen(command)
        _email_worker["process"] = process
        code = process.wait()
        if not _email_worker["stopping"]:
            server.log.warning("email worker exited with %s; restarting it", code)
            threading.Event().wait(2)


def when_ready(server):
    """Freeze the objects loaded with the app so the collector stops rescanning them; start the email worker
    in single-dyno mode."""
    gc.freeze()
    if os.environ.get("WEB_RUNS_WORKER", "").lower() in ("1", "true", "yes"):
        threading.Thread(target=_run_email_worker, args=(server,), name="email-worker", daemon=True).start()


def on_exit(server):
    """Stop the email worker with the web process (single-dyno mode)."""
    _email_worker["stopping"] = True
    process = _email_worker["process"]
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
