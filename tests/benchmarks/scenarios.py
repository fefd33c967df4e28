"""The measurements, each a function that runs against started idgov processes and adds rows."""

from __future__ import annotations

import math

from consumers.messages import Message
from tests.benchmarks import backlog, freshness, workload
from tests.benchmarks.config import Config
from tests.benchmarks.http_load import LoadResult, Request, run_load
from tests.benchmarks.probes import Positions
from tests.benchmarks.report import Report, Row
from tests.benchmarks.timing import CatchUp, Deadline, Progress, watch_catch_up
from tests.servers import Server

CREATED = frozenset({201})
CONSISTENCY_MODES = ("fully_consistent", "at_least_as_fresh", "minimize_latency")

# ------------------------------------------------------------------ HTTP load --


def _load(
    server: Server, config: Config, name: str, request: Request, total: int, ok: frozenset[int]
) -> LoadResult:
    return run_load(
        name,
        server.client,
        request,
        total=total,
        clients=config.clients,
        time_limit=config.load_time_limit_s,
        expected=ok,
    )


def _load_row(
    report: Report, section: str, result: LoadResult, unit: str, baseline: LoadResult | None
) -> None:
    note = f"{result.completed}/{result.requested} ok"
    if result.failed:
        note += f", {result.failed} failed (first: {result.first_error})"
    report.add(
        Row(
            section,
            f"{result.name}, {result.clients} clients",
            result.per_s,
            unit,
            result.latency,
            baseline=baseline.per_s if baseline else None,
            baseline_name="401s" if baseline else "",
            note=note,
        )
    )
    report.detail(f"{section}: {result.name}", result)


def command_throughput(server: Server, config: Config, report: Report, section: str) -> LoadResult:
    """Commands/s through the API, against its cheapest request; returns that baseline."""
    baseline = _load(
        server,
        config,
        "GET 401 (no key)",
        workload.unauthenticated,
        config.commands,
        frozenset({401}),
    )
    _load_row(report, section, baseline, "req", None)

    create = workload.create_organization(section)
    result = _load(server, config, "POST /organizations", create, config.commands, CREATED)
    _load_row(report, section, result, "cmd", baseline)

    with server.client() as client:
        mix = None
        if workload.has_routes(client, workload.USERS, workload.MEMBERSHIPS):
            mix = workload.Mix(client, math.ceil(config.commands / 3), f"{section}-mix")
    if mix is None:
        report.add(Row(section, "POST org/user/membership mix", note="skipped: no such routes yet"))
    else:
        name = "POST org/user/membership 1:1:1"
        result = _load(server, config, name, mix.request, config.commands, CREATED)
        _load_row(report, section, result, "cmd", baseline)
    return baseline


def read_throughput(
    server: Server, config: Config, report: Report, section: str, baseline: LoadResult
) -> None:
    with server.client() as client:
        response = client.get("/organizations", params={"limit": 100})
        response.raise_for_status()
        organization_ids = [item["id"] for item in response.json()["data"]]
    for mode in ("minimize_latency", "fully_consistent"):
        read = workload.read_organization(organization_ids, mode)
        name = f"GET /organizations/{{id}} {mode}"
        result = _load(server, config, name, read, config.reads, frozenset({200}))
        _load_row(report, section, result, "req", baseline)


# ----------------------------------------------------------------- freshness --


def drain(positions: Positions, report: Report, section: str, timeout: float) -> None:
    """After the command load: how long until each read model holds every accepted command."""
    caught = watch_catch_up(positions.read_models(), positions.event_store(), timeout)
    for model, result in caught.items():
        note = (
            f"caught up {result.total_s:.2f} s after the last command"
            if result.completed
            else f"NOT caught up after {timeout:.0f} s"
        )
        report.add(Row(section, f"{model} read model lag after the command load", note=note))
    if not all(result.completed for result in caught.values()):
        raise RuntimeError(f"{section}: the read models did not catch up with the event store")


def command_freshness(
    server: Server, positions: Positions, config: Config, report: Report, section: str
) -> None:
    samples = config.freshness_samples
    with server.client() as client:
        fresh = freshness.command_to_watermark(
            client, positions.watermark, samples, f"{section}-fresh"
        )
        timed_out = f"{fresh.timed_out} of {samples} timed out" if fresh.timed_out else ""
        report.add(Row(section, "POST /organizations, one at a time", latency=fresh.command))
        report.add(Row(section, "command sent -> directory holds it", latency=fresh.visible))
        report.add(
            Row(
                section,
                "command answered -> directory holds it",
                latency=fresh.after_answer,
                note=timed_out,
            )
        )
        report.detail(f"{section}: freshness", fresh)
        for mode in CONSISTENCY_MODES:
            read = freshness.read_after_write(client, mode, config.read_samples, f"{section}-read")
            stale = (
                f"{read.not_found}/{config.read_samples} missed the command"
                if read.not_found
                else ""
            )
            name = f"GET right after the command, {mode}"
            report.add(Row(section, name, latency=read.read, note=stale))
            report.detail(f"{section}: read after write, {mode}", read)


# ------------------------------------------------------------------- backlog --


def _write_backlog(
    server: Server, positions: Positions, count: int, report: Report, section: str
) -> list[Message]:
    """Write the backlog; return samples of the Kafka messages the relay will make of it."""
    app = backlog.application(server.env["IDGOV_DATABASE_URL"])
    try:
        written = backlog.write_backlog(app, count)
        report.add(
            Row(
                section,
                "backlog written to the event store (bulk save)",
                written.per_s,
                "ev",
                note=f"{written.count} events, {backlog.SAVE_CHUNK} per transaction",
            )
        )
        return backlog.sample_messages(app, positions.event_store())
    finally:
        app.close()


def _catch_up_rows(
    report: Report,
    section: str,
    caught: dict[str, CatchUp],
    baselines: dict[str, tuple[backlog.Timed, str]],
) -> None:
    for name, result in caught.items():
        note = f"{result.events} events; startup {result.startup_s:.1f} s"
        if result.visible_s - result.startup_s > 0.5:  # a watermark that lags the work itself
            note += f", visible to reads from {result.visible_s:.1f} s"
        note += f"; {result.per_s:,.0f}/s incl. startup"
        if not result.completed:
            note += "; DID NOT FINISH"
        baseline, baseline_name = baselines.get(name, (None, ""))
        report.add(
            Row(
                section,
                name,
                result.steady_per_s,
                "ev",
                baseline=baseline.per_s if baseline else None,
                baseline_name=baseline_name,
                note=note,
            )
        )
        report.detail(f"{section}: {name}", result)


def _read_models(positions: Positions, source: str) -> dict[str, Progress]:
    return {f"{source} -> {model}": p for model, p in positions.read_models().items()}


def _insert_baseline(
    server: Server, events: int, name: str
) -> dict[str, tuple[backlog.Timed, str]]:
    inserts = backlog.plain_inserts(server.env["IDGOV_DATABASE_URL"], events)
    return {name: (inserts, "executemany")}


def kafka_backlog(
    server: Server, positions: Positions, kafka: tuple[str, str], config: Config, report: Report
) -> None:
    """Relay and projection workers flat out on a backlog, each against its bare library.

    kafka_stack runs one worker per read model; they catch up at once on the same CPUs, as
    they would after an outage. ``kafka`` is the bootstrap address and a spare topic for the
    producer baseline.
    """
    section, (bootstrap, raw_topic) = "kafka", kafka
    relay = server.processes["relay"]
    workers = [process for name, process in server.processes.items() if name.startswith("worker")]
    # Stopped in pipeline order, so nothing consumes the backlog before its clock starts.
    for worker in workers:
        worker.stop()
    relay.stop()

    start = positions.event_store()
    samples = _write_backlog(server, positions, config.events, report, section)
    end = positions.event_store()
    events = end - start

    relay.start()
    name = "relay: event store -> Kafka"
    relayed = watch_catch_up({name: Progress(positions.relay)}, end, config.catch_up_timeout_s)
    producer = backlog.raw_producer(bootstrap, raw_topic, samples, events, flush_every=None)
    _catch_up_rows(report, section, relayed, {name: (producer, "raw producer")})
    batch = config.relay_batch
    waiting = backlog.raw_producer(bootstrap, raw_topic, samples, events, flush_every=batch)
    report.add(Row(section, f"  raw producer, waiting for acks every {batch}", waiting.per_s, "ev"))

    for worker in workers:
        worker.start()
    models = _read_models(positions, "worker: Kafka")
    projected = watch_catch_up(models, end, config.catch_up_timeout_s)
    baseline = _insert_baseline(server, events, "worker: Kafka -> directory")
    _catch_up_rows(report, section, projected, baseline)


def follower_backlog(server: Server, positions: Positions, config: Config, report: Report) -> None:
    """`idgov up`'s followers on a backlog written while it was stopped, like the workers."""
    section, up = "embedded", server.processes["up"]
    up.stop()
    start = positions.event_store()
    _write_backlog(server, positions, config.follower_events, report, section)
    end = positions.event_store()
    up.start()
    models = _read_models(positions, "follower: event store")
    projected = watch_catch_up(models, end, config.catch_up_timeout_s)
    baseline = _insert_baseline(server, end - start, "follower: event store -> directory")
    _catch_up_rows(report, section, projected, baseline)


def enough_time(budget: Deadline, needed_s: float, report: Report, section: str, what: str) -> bool:
    if budget.remaining >= needed_s:
        return True
    left = f"skipped: {budget.remaining:.0f} s of the time budget left"
    report.add(Row(section, what, note=left))
    return False
