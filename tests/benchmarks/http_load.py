"""Closed-loop HTTP load: N client threads, each with its own keep-alive connection.

Each thread takes the next request number from a shared counter until a fixed count is
reached or the time limit passes, so the run is bounded both ways. Throughput is completed
requests over the wall time of the whole run; latency is measured per request.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import httpx

from tests.benchmarks.timing import Deadline, Latencies


class Response(Protocol):
    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...


class Client(Protocol):
    """What a load needs of a client: httpx.Client, or light_http.LightClient."""

    def get(self, path: str, /) -> Any: ...

    def close(self) -> None: ...


C = TypeVar("C", bound=Client)
# One request of a load: given the thread's client and the request number, send it.
Request = Callable[[httpx.Client, int], httpx.Response]
# Errors of either client (LightClient raises OSError and EOFError).
CLIENT_ERRORS = (httpx.HTTPError, OSError, EOFError)
BARRIER_TIMEOUT_S = 60


def warm_up_health(client: Client) -> object:
    return client.get("/health")


@dataclass
class LoadResult:
    name: str
    clients: int
    requested: int
    completed: int
    failed: int
    seconds: float
    latency: Latencies
    first_error: str | None = None

    @property
    def per_s(self) -> float:
        return self.completed / self.seconds if self.seconds else float("nan")


@dataclass
class _Tally:
    latencies: list[float] = field(default_factory=list)
    failed: int = 0
    first_error: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, seconds: float, error: str | None) -> None:
        with self.lock:
            if error is None:
                self.latencies.append(seconds)
            else:
                self.failed += 1
                self.first_error = self.first_error or error


def run_load(
    name: str,
    new_client: Callable[[], C],
    request: Callable[[C, int], Response],
    *,
    total: int,
    clients: int,
    time_limit: float,
    expected: frozenset[int],
    warm_up: Callable[[C], object] = warm_up_health,
) -> LoadResult:
    numbers = itertools.count()
    numbers_lock = threading.Lock()
    tally = _Tally()
    deadline = Deadline(time_limit)
    sessions = [new_client() for _ in range(clients)]
    start = threading.Barrier(clients + 1)

    def next_number() -> int | None:
        with numbers_lock:
            number = next(numbers)
        return number if number < total and not deadline.expired else None

    def worker(client: C) -> None:
        # Open the keep-alive connection before the clock starts: connecting is not the subject.
        with contextlib.suppress(*CLIENT_ERRORS):  # the measured requests will show it
            warm_up(client)
        start.wait(BARRIER_TIMEOUT_S)
        while (number := next_number()) is not None:
            began = time.perf_counter()
            try:
                response = request(client, number)
                error = (
                    None
                    if response.status_code in expected
                    else f"{response.status_code} {response.text[:200]}"
                )
            except CLIENT_ERRORS as exc:
                error = f"{type(exc).__name__}: {exc}"
            tally.record(time.perf_counter() - began, error)

    threads = [threading.Thread(target=worker, args=(s,), daemon=True) for s in sessions]
    for thread in threads:
        thread.start()
    start.wait(BARRIER_TIMEOUT_S)
    began = time.perf_counter()
    for thread in threads:
        thread.join(deadline.remaining + 30)  # a request in flight at the deadline may finish
    seconds = time.perf_counter() - began
    for session in sessions:
        session.close()
    return LoadResult(
        name=name,
        clients=clients,
        requested=total,
        completed=len(tally.latencies),
        failed=tally.failed,
        seconds=seconds,
        latency=Latencies.of(tally.latencies),
        first_error=tally.first_error,
    )
