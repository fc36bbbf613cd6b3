"""The processes the big-file benchmark runs: SeaweedFS, the app under gunicorn, its worker, and RSS sampling."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
S3_KEY, S3_SECRET, BUCKET = "benchkey", "benchsecret", "portal-bench"


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """Ports free on 127.0.0.1 together with port + 10000 (weed's gRPC convention)."""
    ports: list[int] = []
    while len(ports) < count:
        port = random.randint(20000, 45000)
        if port not in ports and _free(port) and _free(port + 10000):
            ports.append(port)
    return ports


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


def stop(process: subprocess.Popen) -> None:
    """SIGTERM the process group we started, then wait."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def start_weed(folder: Path) -> tuple[subprocess.Popen, dict]:
    """`weed mini` on 127.0.0.1 with one identity and a bucket; the app's S3 settings."""
    (folder / "data").mkdir(parents=True)
    (folder / "log").mkdir()
    creds = folder / "creds.json"
    identity = {"name": "bench", "credentials": [{"accessKey": S3_KEY, "secretKey": S3_SECRET}]}
    identity["actions"] = ["Admin", "Read", "Write", "List", "Tagging"]
    creds.write_text(json.dumps({"identities": [identity]}))
    s3, master, volume, filer, admin, iceberg, metrics = free_ports(7)
    command = [str(BIN / "weed"), f"-logdir={folder / 'log'}", "mini", f"-dir={folder / 'data'}", "-ip=127.0.0.1"]
    command += ["-ip.bind=127.0.0.1", f"-s3.port={s3}", f"-master.port={master}", f"-volume.port={volume}"]
    command += [f"-filer.port={filer}", f"-admin.port={admin}", f"-s3.port.iceberg={iceberg}", "-s3.port.lance=0"]
    command += [f"-metricsPort={metrics}", "-webdav=false", "-admin.ui=false", f"-s3.config={creds}"]
    command += [f"-bucket={BUCKET}"]
    out = open(folder / "stdout.txt", "wb")
    process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=folder, start_new_session=True)
    settings = {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": f"http://127.0.0.1:{s3}",
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": S3_KEY,
        "S3_SECRET_ACCESS_KEY": S3_SECRET,
    }
    client = s3_client(settings)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            client.head_bucket(Bucket=BUCKET)
            return process, settings
        except Exception:
            if process.poll() is not None:
                raise RuntimeError("weed exited") from None
            time.sleep(0.5)
    stop(process)
    raise RuntimeError("weed did not become ready")


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
        self.port = free_ports(1)[0]
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
        stop(self.web)
        stop(self.worker)
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
