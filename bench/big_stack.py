"""The processes the big-file benchmark runs: SeaweedFS, the app under gunicorn, its worker, and RSS sampling."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.integration import weed
from tests.integration.mail_stack import stop_group

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
S3_KEY, S3_SECRET, BUCKET = "benchkey", "benchsecret", "portal-bench"


def start_weed(folder: Path) -> tuple[subprocess.Popen, dict]:
    """`weed mini` on 127.0.0.1 with the bench's identity and bucket; its process and the app's S3 settings."""
    return weed.start_weed(folder, S3_KEY, S3_SECRET, BUCKET)


def wait_port(port: int, process: subprocess.Popen, what: str, timeout: float = 60) -> None:
    """Wait until something listens on the port, or fail if the process exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not start")


def s3_client(settings: dict):
    """A boto3 client for the bench's SeaweedFS."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=settings["S3_ENDPOINT_URL"],
        aws_access_key_id=settings["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=settings["S3_SECRET_ACCESS_KEY"],
        region_name=settings["S3_REGION"],
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def setup_world(env: dict) -> dict:
    """Create the schema, an operator, a client with a portal link and a project with two deliverables."""
    code = (
        "import json; from portal import create_app; from portal.extensions import db; "
        "from bench.big_world import build; app = create_app(); ctx = app.app_context(); ctx.push(); "
        "db.create_all(); print(json.dumps(build()))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


class App:
    """gunicorn (the project's config) serving the counting app, and the RQ worker, on a free port."""

    def __init__(self, env: dict, folder: Path):
        self.port = weed.free_ports(1)[0]
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**env, "PORT": str(self.port), "BIND_HOST": "127.0.0.1", "PATH": f"{BIN}:{os.environ['PATH']}"}
        self.log = open(folder / "app.log", "wb")
        kwargs = {"env": env, "cwd": ROOT, "stdout": self.log, "stderr": subprocess.STDOUT, "start_new_session": True}
        gunicorn = [str(BIN / "gunicorn"), "bench.counting:app", "--config", "gunicorn.conf.py"]
        self.web = subprocess.Popen([*gunicorn, "--access-logfile", "/dev/null"], **kwargs)
        self.worker = subprocess.Popen([str(BIN / "flask"), "--app", "wsgi", "worker"], **kwargs)
        wait_port(self.port, self.web, "gunicorn")

    def worker_pids(self) -> list[int]:
        """The gunicorn worker processes (children of the master)."""
        children = Path(f"/proc/{self.web.pid}/task/{self.web.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def stop(self) -> None:
        stop_group(self.web)
        stop_group(self.worker)
        self.log.close()


def rss_kb(pid: int) -> int:
    """Resident memory of a process in kB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class RSSSampler:
    """Sample the web workers' RSS every 0.2 s; keep the peak per phase."""

    def __init__(self, app: App):
        self.app, self.phase, self.peaks, self._stop = app, "idle", {}, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            try:
                value = max(rss_kb(pid) for pid in self.app.worker_pids())
            except (OSError, ValueError):
                continue
            self.peaks[self.phase] = max(self.peaks.get(self.phase, 0), value)

    def stop(self) -> dict:
        """Stop sampling; the peak RSS (kB) of the busiest worker in each phase."""
        self._stop.set()
        self._thread.join()
        return self.peaks
