"""Open-loop HTTP load: requests sent on a fixed schedule, whatever the server does.

A closed loop (http_load.py) sends the next request only when the last one answered, so a
slow server slows the load down and its stalls hide in fewer, not slower, requests
("coordinated omission"). Here request ``i`` is due at ``start + i / rate``. Each of the
client threads owns every n-th slot of the schedule and its own keep-alive connection; it
sleeps until its next slot, or sends at once when it is already late. Latency is measured
from the slot, so time a request spent waiting for a late server or a busy client counts.
How late requests left (``send_lag``) is kept apart, to tell the client's own delays from
the server's.

A server slower than the rate falls ever further behind. The run is bounded: nothing is
sent after ``drain_s`` past the last slot, and each request still unanswered then counts
with the age it had reached (a lower bound of its latency), so the percentiles still show
how far behind the server was.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.benchmarks.http_load import (
    BARRIER_TIMEOUT_S,
    CLIENT_ERRORS,
    C,
    Response,
    warm_up_health,
)
from tests.benchmarks.timing import Latencies

START_DELAY_S = 0.2  # between the threads being ready and the first slot
LATE_S = 0.001  # a request leaving later than this after its slot counts as sent late


@dataclass
class PacedResult:
    name: str
    target_per_s: float
    seconds: float  # the schedule's length
    clients: int
    scheduled: int
    completed: int
    failed: int
    unanswered: int  # not sent, or not answered, by the end of the run
    wall_s: float  # first slot until the last answer
    latency: Latencies  # from each request's slot to its answer (or to the end, unanswered)
    service: Latencies  # from each request actually leaving to its answer
    send_lag: Latencies  # from slot to leaving
    sent_late: int
    first_error: str | None = None

    @property
    def per_s(self) -> float:
        """Answers per second over the whole run, the tail of late answers included."""
        return self.completed / self.wall_s if self.wall_s else math.nan


@dataclass
class _Samples:
    latency: list[float] = field(default_factory=list)
    done: set[int] = field(default_factory=set)
    service: list[float] = field(default_factory=list)
    lag: list[float] = field(default_factory=list)
    failed: int = 0
    first_error: str | None = None
    last_answer: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def run_paced(
    name: str,
    new_client: Callable[[], C],
    request: Callable[[C, int], Response],
    *,
    rate: float,
    seconds: float,
    clients: int,
    expected: frozenset[int],
    warm_up: Callable[[C], object] = warm_up_health,
    drain_s: float = 5.0,
) -> PacedResult:
    """``rate`` requests per second for ``seconds``; nothing is sent after ``drain_s`` past the
    last slot."""
    total = max(1, round(rate * seconds))
    interval = 1.0 / rate
    samples = _Samples()
    sessions = [new_client() for _ in range(clients)]
    ready = threading.Barrier(clients + 1)
    start_at: list[float] = []
    end_at: list[float] = []

    def worker(index: int, client: C) -> None:
        with contextlib.suppress(*CLIENT_ERRORS):  # the measured requests will show it
            warm_up(client)
        ready.wait(BARRIER_TIMEOUT_S)
        start = start_at[0]
        for number in range(index, total, clients):
            slot = start + number * interval
            delay = slot - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            sent = time.perf_counter()
            if sent > end_at[0]:
                break
            try:
                response = request(client, number)
                error = (
                    None
                    if response.status_code in expected
                    else f"{response.status_code} {response.text[:200]}"
                )
            except CLIENT_ERRORS as exc:
                error = f"{type(exc).__name__}: {exc}"
            answered = time.perf_counter()
            with samples.lock:
                samples.last_answer = max(samples.last_answer, answered)
                samples.done.add(number)
                if error is None:
                    samples.latency.append(answered - slot)
                    samples.service.append(answered - sent)
                    samples.lag.append(sent - slot)
                else:
                    samples.failed += 1
                    samples.first_error = samples.first_error or error

    threads = [
        threading.Thread(target=worker, args=(i, s), daemon=True) for i, s in enumerate(sessions)
    ]
    for thread in threads:
        thread.start()
    start_at.append(time.perf_counter() + START_DELAY_S)
    end_at.append(start_at[0] + seconds + drain_s)
    ready.wait(BARRIER_TIMEOUT_S)
    for thread in threads:
        # A request in flight at the end may still finish (the client's timeout bounds it).
        thread.join(max(0.0, end_at[0] - time.perf_counter()) + 60)
    for session in sessions:
        session.close()
    start, end = start_at[0], end_at[0]
    with samples.lock:
        missing = [n for n in range(total) if n not in samples.done]
        ages = [max(0.0, end - (start + n * interval)) for n in missing]
    return PacedResult(
        name=name,
        target_per_s=rate,
        seconds=seconds,
        clients=clients,
        scheduled=total,
        completed=len(samples.latency),
        failed=samples.failed,
        unanswered=len(missing),
        wall_s=max(samples.last_answer - start, seconds),
        latency=Latencies.of(samples.latency + ages),
        service=Latencies.of(samples.service),
        send_lag=Latencies.of(samples.lag),
        sent_late=sum(1 for lag in samples.lag if lag > LATE_S),
        first_error=samples.first_error,
    )
