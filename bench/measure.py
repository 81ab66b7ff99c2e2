"""What every part of the bench shares: timing a call, and the machine a result was taken on."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any


def timed_runs(function: Callable[[], Any], runs: int, *, warm: int = 1) -> tuple[list[float], Any]:
    """Call function warm times untimed, then runs times; return the sorted ms and last result."""
    result = None
    for _ in range(warm):  # plans, caches, pages
        result = function()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return times, result


def machine() -> dict[str, Any]:
    """Return the machine a result was measured on, and the day."""
    return {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "date": datetime.now(UTC).date().isoformat(),
    }
