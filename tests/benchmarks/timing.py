"""Clocks, deadlines, percentiles and bounded polling: what every measurement shares."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


class Deadline:
    """A point in time after which a loop must stop."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    @property
    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self.end


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile; NaN when there is nothing to rank."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Latencies:
    """Latency summary in milliseconds."""

    count: int
    p50_ms: float
    p99_ms: float
    max_ms: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latencies:
        ms = [s * 1000 for s in seconds]
        return cls(len(ms), percentile(ms, 50), percentile(ms, 99), max(ms, default=math.nan))


@dataclass(frozen=True)
class Progress:
    """What to poll to follow one consumer through a backlog.

    ``complete`` is the position up to which everything is done (the relay's tracking, a read
    model's watermark). ``working`` is any sign of work, when that shows earlier: a read
    model fed by several partitions applies whole batches of one partition before its
    watermark (the minimum over partitions) moves.
    """

    complete: Callable[[], int]
    working: Callable[[], int] | None = None


@dataclass(frozen=True)
class CatchUp:
    """How a consumer worked through a backlog, seen from outside by polling its positions.

    ``startup_s`` runs from launching the process until it showed work (imports, connections,
    consumer-group join); ``steady_per_s`` is the rate after that, what the process sustains
    once running. ``visible_s`` is when its ``complete`` position first moved.
    """

    events: int
    total_s: float
    startup_s: float
    visible_s: float
    completed: bool

    @property
    def per_s(self) -> float:
        return self.events / self.total_s if self.total_s else math.nan

    @property
    def steady_per_s(self) -> float:
        busy = self.total_s - self.startup_s
        return self.events / busy if busy > 0 else math.nan


def watch_catch_up(
    consumers: dict[str, Progress], target: int, timeout: float, interval: float = 0.01
) -> dict[str, CatchUp]:
    """Poll each consumer until all are complete up to ``target``; the clock starts now.

    Gives up after ``timeout`` seconds and reports what it saw (``completed=False``).
    """
    began = time.perf_counter()
    deadline = Deadline(timeout)
    working = {name: p.working or p.complete for name, p in consumers.items()}
    start = {name: p.complete() for name, p in consumers.items()}
    start_working = {name: probe() for name, probe in working.items()}
    reached = dict(start)
    working_at: dict[str, float] = {}
    visible_at: dict[str, float] = {}
    done_at: dict[str, float] = {}
    while len(done_at) < len(consumers) and not deadline.expired:
        time.sleep(interval)
        now = time.perf_counter()
        for name, progress in consumers.items():
            if name in done_at:
                continue
            reached[name] = progress.complete()
            if name not in working_at and working[name]() > start_working[name]:
                working_at[name] = now
            if reached[name] > start[name]:
                visible_at.setdefault(name, now)
                working_at.setdefault(name, now)
            if reached[name] >= target:
                done_at[name] = now
    ended = time.perf_counter()
    return {
        name: CatchUp(
            events=max(0, reached[name] - start[name]),
            total_s=done_at.get(name, ended) - began,
            startup_s=working_at.get(name, ended) - began,
            visible_s=visible_at.get(name, ended) - began,
            completed=name in done_at,
        )
        for name in consumers
    }
