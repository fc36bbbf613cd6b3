"""Running test calls at the same moment, each on a thread of its own."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable


def run_together(calls: Iterable[Callable[[], object]], timeout: float | None = 60) -> None:
    """Start every call on its own thread, then wait for each (up to ``timeout`` seconds apiece)."""
    threads = [threading.Thread(target=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
