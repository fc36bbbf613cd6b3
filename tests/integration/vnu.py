"""The W3C Nu Html Checker (npm package vnu-jar, installed by tests/run.sh) run once over many files."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

VERSION = "26.9.27"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "portal-tests" / f"vnu-jar-{VERSION}"
# htmx's attributes are its own convention, outside the HTML standard.
HTMX_ATTRIBUTE = re.compile(r"^Attribute “hx-[a-z:-]+” not allowed")


def jar() -> Path:
    """The validator's jar: $VNU_JAR (set by tests/run.sh, then it must exist) or the test script's cache."""
    configured = os.environ.get("VNU_JAR")
    path = Path(configured) if configured else CACHE / "package" / "build" / "dist" / "vnu.jar"
    if shutil.which("java") is None or not path.exists():
        if configured or os.environ.get("CI"):
            pytest.fail(f"the Nu Html Checker is missing ({path}, java: {shutil.which('java')})")
        pytest.skip("the Nu Html Checker is not installed: bash tests/run.sh installs it")
    return path


def errors(jar_path: Path, files: list[Path]) -> list[tuple[str, str]]:
    """Every error the checker finds in the files besides htmx attributes, as (file path, message)."""
    result = subprocess.run(
        ["java", "-Xss4m", "-jar", str(jar_path), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr)["messages"]
    found = []
    for message in messages:
        if message.get("type") == "info" or HTMX_ATTRIBUTE.match(message.get("message", "")):
            continue
        where = f"line {message.get('lastLine', '?')}: {message.get('extract', '').strip()!r}"
        found.append((message.get("url", "").removeprefix("file:"), f"{message['message']} ({where})"))
    return found
