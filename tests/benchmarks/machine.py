"""How busy the machine is apart from the benchmarks: numbers from a shared machine mislead."""

from __future__ import annotations

import os
import time
from pathlib import Path

STAT = Path("/proc/stat")
BUSY_WARNING = 0.15  # share of all CPUs in use by others before the run that makes numbers suspect


def _cpu_times() -> tuple[int, int] | None:
    """(busy, total) jiffies over all CPUs, or None off Linux."""
    try:
        fields = [int(v) for v in STAT.read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def busy_fraction(seconds: float = 1.0) -> float | None:
    """Share of all CPUs in use during ``seconds``, measured while this process sleeps."""
    before = _cpu_times()
    time.sleep(seconds)
    after = _cpu_times()
    if before is None or after is None or after[1] == before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1])


def describe() -> dict[str, object]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"cpus": os.cpu_count(), "load_average": load, "busy_before_start": busy_fraction()}
