"""Command-to-read-model freshness, one command at a time on an otherwise idle system.

A command answers with its consistency token (the event-store position of its events).
The command is visible to reads once the read model's watermark reaches that token, so
polling the watermark straight from PostgreSQL gives the freshness without the API's own
polling in between. Reads right after a command then show what a client pays for
each consistency mode.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from tests.benchmarks.timing import Deadline, Latencies
from tests.benchmarks.workload import organization_body

TOKEN = "X-Idgov-Consistency-Token"
CONSISTENCY = "X-Idgov-Consistency"
POLL_INTERVAL_S = 0.001  # finer than the pipeline's own steps, coarse enough not to load PostgreSQL


@dataclass(frozen=True)
class Freshness:
    command: Latencies  # until the command answered
    visible: Latencies  # from sending the command until the read model held it
    after_answer: Latencies  # from the answer until the read model held it
    timed_out: int


@dataclass(frozen=True)
class ReadAfterWrite:
    mode: str
    read: Latencies  # the read's own latency, sent as soon as the command answered
    not_found: int  # reads that did not see the command yet (only minimize_latency may)


def _command(client: httpx.Client, number: int, tag: str) -> httpx.Response:
    response = client.post("/organizations", json=organization_body(number, tag))
    response.raise_for_status()
    return response


def command_to_watermark(
    client: httpx.Client,
    watermark: Callable[[], int],
    samples: int,
    tag: str,
    timeout: float = 10.0,
) -> Freshness:
    command, visible, after = [], [], []
    timed_out = 0
    for number in range(samples):
        sent = time.perf_counter()
        token = int(_command(client, number, tag).headers[TOKEN])
        answered = time.perf_counter()
        deadline = Deadline(timeout)
        while watermark() < token and not deadline.expired:
            time.sleep(POLL_INTERVAL_S)
        seen = time.perf_counter()
        command.append(answered - sent)
        if deadline.expired:
            timed_out += 1
            continue
        visible.append(seen - sent)
        after.append(seen - answered)
    return Freshness(Latencies.of(command), Latencies.of(visible), Latencies.of(after), timed_out)


def read_after_write(client: httpx.Client, mode: str, samples: int, tag: str) -> ReadAfterWrite:
    """Create, then at once read the new organization in ``mode`` and time that read."""
    latencies = []
    not_found = 0
    for number in range(samples):
        created = _command(client, number, f"{tag}-{mode}")
        headers = {CONSISTENCY: mode}
        if mode == "at_least_as_fresh":
            headers[TOKEN] = created.headers[TOKEN]
        began = time.perf_counter()
        read = client.get(f"/organizations/{created.json()['id']}", headers=headers)
        latencies.append(time.perf_counter() - began)
        if read.status_code == 404:
            not_found += 1
        elif read.status_code != 200:
            raise RuntimeError(f"{mode} read answered {read.status_code}: {read.text[:200]}")
    return ReadAfterWrite(mode, Latencies.of(latencies), not_found)
