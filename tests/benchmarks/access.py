"""Access checks and discovery on a realistic data set, in-process and over HTTP.

On a fresh database and topic with the Kafka stack running: a data set of organizations with
resource trees, users, memberships and role assignments is written into the event store
(access_data.py) and projected by the workers. Then:

- in-process, the read-model queries on a connection of their own (no HTTP), against
  ``SELECT 1`` on the same connection: one check at a time, several threads on a pool, and
  many checks per round trip (the batch endpoint's statement);
- over HTTP, checks in a closed loop (max throughput) and paced (open loop, a fixed rate,
  latency from each request's slot), with and without concurrent role changes, in both
  consistency modes, and the batch endpoint; against the API's cheapest request (a 401);
- the paced loads again at a constant rate from vegeta (vegeta.py), a Go client whose own
  CPU does not hold the server back, with a second floor: a bare check (bare_check.py), the
  check's statement behind uvicorn and nothing else;
- discovery (children of a workspace the membership can act on) and effective permissions.

Every answer is checked against the data set held in memory, so a fast wrong answer
shows as an error, not as a good number.
"""

from __future__ import annotations

import itertools
import json
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from idgov.database import READ_SESSION_SETUP
from projections.access import queries
from projections.pagination import PageRequest
from tests.benchmarks import access_data, machine, probes, services, vegeta
from tests.benchmarks.access_data import PERMISSIONS, DataSet
from tests.benchmarks.backlog import application
from tests.benchmarks.config import Config
from tests.benchmarks.http_load import CLIENT_ERRORS, LoadResult, run_load
from tests.benchmarks.light_http import LightClient, LightResponse
from tests.benchmarks.paced import PacedResult, run_paced
from tests.benchmarks.report import Report, Row, say
from tests.benchmarks.timing import Deadline, Latencies, Progress, watch_catch_up
from tests.benchmarks.vegeta import Hit, Target
from tests.helpers import delete_topics, free_port, fresh_database, wait_for_port
from tests.servers import Server, kafka_stack

SECTION = "access"
ROOT = Path(__file__).resolve().parents[2]
CONSISTENCY = "X-Idgov-Consistency"
REQUEST_ID = "X-Request-Id"
DEFAULT, FAST = "fully_consistent", "minimize_latency"
BATCH = 100  # checks per batch request, the endpoint's maximum
MEMBERSHIP = "/authorization/organization_memberships/{}"
SEED = 7

Conn = psycopg.Connection[DictRow]
Request = Callable[[LightClient, int], LightResponse]


def light_client(server: Server) -> Callable[[], LightClient]:
    """Clients for the loads: cheap on the CPU the server shares (see light_http.py)."""
    return lambda: LightClient(server.base_url, {"Authorization": f"Bearer {server.api_key}"})


@dataclass(frozen=True)
class Check:
    membership_id: str
    permission: str
    resource_id: str
    expected: bool

    def body(self) -> dict[str, str]:
        return {"permission_slug": self.permission, "resource_id": self.resource_id}


@dataclass(frozen=True)
class Effective:
    """An effective-permissions request and the permissions it must list."""

    membership_id: str
    resource_id: str
    expected: frozenset[str]


def sample_effective(data: DataSet, count: int, rng: random.Random) -> list[Effective]:
    """The resources of a check mix (as sample_checks picks them)."""
    members = {m.id: m for m in data.members}
    return [
        Effective(
            c.membership_id, c.resource_id, data.effective(members[c.membership_id], c.resource_id)
        )
        for c in sample_checks(data, count, rng)
    ]


@dataclass(frozen=True)
class Children:
    """A discovery request: children of ``parent_id`` on which the membership holds
    ``permission``."""

    membership_id: str
    permission: str
    parent_id: str
    expected: frozenset[str]


# ------------------------------------------------------------------------ requests --


def _descend(data: DataSet, resource_id: str, rng: random.Random) -> str:
    """A resource at or below ``resource_id``, deeper with falling odds."""
    while (below := data.children.get(resource_id)) and rng.random() < 0.7:
        resource_id = rng.choice(below)
    return resource_id


def sample_checks(data: DataSet, count: int, rng: random.Random) -> list[Check]:
    """Half aimed at what a membership was granted (a resource in the subtree of one of its
    assignments, mostly allowed, denied when the role lacks the permission), half at any
    resource of its organization (mostly denied): a check mix where both answers are common."""
    checks = []
    for number in range(count):
        member = rng.choice(data.members)
        if number % 2 == 0 and member.assignments:
            resource_id = _descend(data, rng.choice(member.assignments)[1], rng)
        else:
            resource_id = rng.choice(data.in_organization(member.organization_id))
        permission = rng.choice(PERMISSIONS[data.resources[resource_id].type])
        checks.append(
            Check(member.id, permission, resource_id, data.allowed(member, permission, resource_id))
        )
    return checks


def sample_children(data: DataSet, count: int, rng: random.Random) -> list[Children]:
    """Workspaces the membership reaches through a workspace or organization-level role, so the
    answer is inherited access; permissions on the projects below."""
    reaching = [
        (member, workspace)
        for member in data.members
        if member.active
        for workspace in (
            data.of_type(member.organization_id, "workspace")
            if "org-admin" in member.roles
            else [r for _, r in member.assignments if data.resources[r].type == "workspace"]
        )
    ]
    found = []
    for _ in range(count):
        member, workspace = rng.choice(reaching)
        permission = rng.choice(PERMISSIONS["project"])
        allowed = frozenset(
            child
            for child in data.children.get(workspace, [])
            if data.allowed(member, permission, child)
        )
        found.append(Children(member.id, permission, workspace, allowed))
    return found


# ---------------------------------------------------------------------- data set --


def load_data_set(
    server: Server, positions: probes.Positions, config: Config, report: Report
) -> DataSet:
    app = application(server.env["IDGOV_DATABASE_URL"])
    try:
        say(
            f"{SECTION}: writing the data set ({config.access_organizations} organizations,"
            f" {config.access_users} memberships, {config.access_assignments} assignments)"
        )
        with server.client() as http:
            data, written = access_data.build(
                http,
                app,
                organizations=config.access_organizations,
                users=config.access_users,
                assignments=config.access_assignments,
                groups=config.access_groups,
                seed=SEED,
            )
    finally:
        app.close()
    shape = (
        f"{len(data.resources):,} resources, {len(data.members):,} memberships,"
        f" {data.assignments:,} role assignments, {data.groups} groups"
    )
    report.add(
        Row(
            SECTION,
            "data set written to the event store (bulk save)",
            written.per_s,
            "ev",
            note=f"{written.events:,} events incl. claims, {access_data.SAVE_CHUNK} aggregates"
            f" per transaction; {shape}",
        )
    )
    for note in data.notes:
        report.add(Row(SECTION, "data set", note=note))
    report.detail(f"{SECTION}: data set", {"shape": shape, "written": written})

    say(f"{SECTION}: waiting for the workers to project it")
    models: dict[str, Progress] = positions.read_models()
    caught = watch_catch_up(models, written.last_position, config.catch_up_timeout_s)
    for model, result in caught.items():
        total = written.seconds + result.total_s
        note = (
            f"caught up {result.total_s:.1f} s after the write ({total:.1f} s in all,"
            f" {written.events / total:,.0f} ev/s)"
            if result.completed
            else f"NOT caught up {config.catch_up_timeout_s:.0f} s after the write"
        )
        report.add(
            Row(
                SECTION,
                f"worker: Kafka -> {model}, data set",
                written.events / total,
                "ev",
                note=note,
            )
        )
        report.detail(f"{SECTION}: catch-up {model}", result)
    if not caught["access"].completed:
        raise RuntimeError(f"{SECTION}: the access read model did not catch up with the data set")
    return data


# -------------------------------------------------------------------- in-process --


@dataclass
class Timed:
    """Operations done, wall time, and the latency of each."""

    count: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def per_s(self) -> float:
        return self.count / self.seconds if self.seconds else float("nan")

    @property
    def latency(self) -> Latencies:
        return Latencies.of(self.latencies)


def _loop(op: Callable[[int], object], count: int, limit_s: float) -> Timed:
    result = Timed()
    deadline = Deadline(limit_s)
    began = time.perf_counter()
    for number in range(count):
        if deadline.expired:
            break
        started = time.perf_counter()
        op(number)
        result.latencies.append(time.perf_counter() - started)
    result.seconds = time.perf_counter() - began
    result.count = len(result.latencies)
    return result


def _threaded(
    op: Callable[[Conn, int], object],
    pool: ConnectionPool[Conn],
    count: int,
    threads: int,
    limit_s: float,
) -> Timed:
    """``threads`` threads share ``count`` operations; each takes a pooled connection per
    operation, as a request handler does."""
    result = Timed()
    lock = threading.Lock()
    deadline = Deadline(limit_s)
    ready = threading.Barrier(threads + 1)

    def worker(first: int) -> None:
        mine = []
        ready.wait(60)
        for number in range(first, count, threads):
            if deadline.expired:
                break
            started = time.perf_counter()
            with pool.connection() as conn:
                op(conn, number)
            mine.append(time.perf_counter() - started)
        with lock:
            result.latencies.extend(mine)

    workers = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for thread in workers:
        thread.start()
    ready.wait(60)
    began = time.perf_counter()
    for thread in workers:
        thread.join(limit_s + 30)
    result.seconds = time.perf_counter() - began
    result.count = len(result.latencies)
    return result


def _on(conn: Conn, op: Callable[[Conn, int], object]) -> Callable[[int], object]:
    return lambda number: op(conn, number)


def _select_one(conn: Conn, _: int) -> object:
    return conn.execute("SELECT 1").fetchone()


class Verdicts:
    """Answers against the data set's: counts allowed and wrong answers, thread-safely."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answered = 0
        self.allowed = 0
        self.wrong = 0
        self.first_wrong: str | None = None

    def record(self, check: Check, authorized: bool) -> None:
        with self.lock:
            self.answered += 1
            self.allowed += authorized
            if authorized != check.expected:
                self.wrong += 1
                self.first_wrong = self.first_wrong or f"{check} answered {authorized}"

    def note(self) -> str:
        if not self.answered:
            return "nothing answered"
        text = f"{self.allowed / self.answered:.0%} allowed"
        if self.wrong:
            text += f"; {self.wrong} WRONG answers (first: {self.first_wrong})"
        return text


def _check_op(checks: Sequence[Check], verdicts: Verdicts) -> Callable[[Conn, int], object]:
    def op(conn: Conn, number: int) -> object:
        check = checks[number % len(checks)]
        request = queries.CheckRequest(check.membership_id, check.permission, check.resource_id)
        authorized = queries.check(conn, request)
        verdicts.record(check, authorized)
        return authorized

    return op


def _batches(checks: Sequence[Check]) -> list[list[Check]]:
    return [list(checks[i : i + BATCH]) for i in range(0, len(checks) - BATCH + 1, BATCH)]


def _statement_op(batches: list[list[Check]], verdicts: Verdicts) -> Callable[[Conn, int], object]:
    """queries.check_many: one statement per batch (what the batch endpoint runs)."""
    requests = [
        [queries.CheckRequest(c.membership_id, c.permission, c.resource_id) for c in batch]
        for batch in batches
    ]

    def op(conn: Conn, number: int) -> object:
        index = number % len(batches)
        answers = queries.check_many(conn, requests[index])
        for check, authorized in zip(batches[index], answers, strict=True):
            verdicts.record(check, authorized)
        return answers

    return op


def _in_process_row(
    report: Report,
    name: str,
    run: Timed,
    baseline: Timed | None,
    note: str = "",
    per_op: int = 1,
    unit: str = "check",
) -> None:
    report.add(
        Row(
            SECTION,
            name,
            run.per_s * per_op,
            unit,
            run.latency,
            baseline=baseline.per_s if baseline else None,
            baseline_name="SELECT 1" if baseline else "",
            note=note,
        )
    )
    report.detail(f"{SECTION}: {name}", {"count": run.count, "seconds": run.seconds})


def in_process(
    database_url: str, data: DataSet, checks: list[Check], config: Config, report: Report
) -> None:
    say(f"{SECTION}: in-process checks on the read model ({len(checks)} per run)")
    limit = config.load_time_limit_s
    count = len(checks)
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row) as conn:
        conn.execute(READ_SESSION_SETUP)  # as the API's read connections are
        _loop(_on(conn, _check_op(checks, Verdicts())), min(count, 500), limit)
        _loop(_on(conn, _select_one), 500, limit)
        baseline = _loop(_on(conn, _select_one), count, limit)
        _in_process_row(report, "SELECT 1, one connection", baseline, None, unit="query")
        verdicts = Verdicts()
        run = _loop(_on(conn, _check_op(checks, verdicts)), count, limit)
        _in_process_row(
            report, "queries.check, one connection", run, baseline, note=verdicts.note()
        )
        _report_wrong(report, "queries.check", verdicts)

        batches = _batches(checks)
        name = f"queries.check_many, {BATCH} per call (the batch endpoint's statement)"
        _loop(_on(conn, _statement_op(batches, Verdicts())), 10, limit)
        verdicts = Verdicts()
        # Cheaper per check: every batch thrice, for a run as long as the others.
        run = _loop(_on(conn, _statement_op(batches, verdicts)), 3 * len(batches), limit)
        note = f"latency per call; {verdicts.note()}"
        _in_process_row(report, name, run, baseline, note=note, per_op=BATCH)
        _report_wrong(report, name, verdicts)

        _discovery_in_process(conn, data, config, report, baseline)

    threads = config.access_threads
    kwargs: dict[str, Any] = {"autocommit": True, "row_factory": dict_row}
    with ConnectionPool(
        database_url,
        connection_class=Conn,
        min_size=threads,
        max_size=threads,
        kwargs=kwargs,
        configure=lambda conn: conn.execute(READ_SESSION_SETUP),
        open=True,
    ) as pool:
        pool.wait()
        _threaded(_select_one, pool, threads * 100, threads, limit)
        baseline = _threaded(_select_one, pool, count, threads, limit)
        name = f"SELECT 1, {threads} threads on a pool"
        _in_process_row(report, name, baseline, None, unit="query")
        _threaded(_check_op(checks, Verdicts()), pool, threads * 100, threads, limit)
        verdicts = Verdicts()
        run = _threaded(_check_op(checks, verdicts), pool, count, threads, limit)
        name = f"queries.check, {threads} threads on a pool"
        _in_process_row(report, name, run, baseline, note=verdicts.note())
        _report_wrong(report, name, verdicts)
        batches = _batches(checks)
        _threaded(_statement_op(batches, Verdicts()), pool, threads * 10, threads, limit)
        verdicts = Verdicts()
        run = _threaded(_statement_op(batches, verdicts), pool, 3 * len(batches), threads, limit)
        name = f"queries.check_many, {BATCH} per call, {threads} threads"
        _in_process_row(
            report, name, run, baseline, note=f"latency per call; {verdicts.note()}", per_op=BATCH
        )
        _report_wrong(report, name, verdicts)


def _report_wrong(report: Report, name: str, verdicts: Verdicts) -> None:
    if verdicts.wrong:
        report.errors.append(
            f"{SECTION}: {name}: {verdicts.wrong} of {verdicts.answered} answers differ from"
            f" the data set (first: {verdicts.first_wrong})"
        )


def _discovery_in_process(
    conn: Conn, data: DataSet, config: Config, report: Report, baseline: Timed
) -> None:
    rng = random.Random(SEED + 1)
    wanted = sample_children(data, config.access_discovery, rng)
    wrong = 0

    def children(number: int) -> None:
        nonlocal wrong
        request = wanted[number]
        page = queries.accessible_children(
            conn, request.membership_id, request.permission, request.parent_id, PageRequest()
        )
        if {row["id"] for row in page.rows} != request.expected:
            wrong += 1

    _loop(children, min(50, len(wanted)), config.load_time_limit_s)
    wrong = 0
    run = _loop(children, len(wanted), config.load_time_limit_s)
    found = sum(len(w.expected) for w in wanted) / len(wanted)
    note = f"workspace parents, inherited access; {found:.1f} of 9 children on average"
    if wrong:
        note += f"; {wrong} WRONG answers"
        report.errors.append(f"{SECTION}: accessible_children: {wrong} answers differ")
    _in_process_row(report, "queries.accessible_children", run, baseline, note, unit="query")

    effective = sample_effective(data, config.access_discovery, rng)
    wrong = 0

    def permissions(number: int) -> None:
        nonlocal wrong
        request = effective[number]
        page = queries.effective_permissions(
            conn, request.membership_id, request.resource_id, PageRequest(limit=100)
        )
        if {row["slug"] for row in page.rows} != request.expected:
            wrong += 1

    _loop(permissions, min(50, len(effective)), config.load_time_limit_s)
    wrong = 0
    run = _loop(permissions, len(effective), config.load_time_limit_s)
    held = sum(len(e.expected) for e in effective) / len(effective)
    note = f"the check mix's resources; {held:.1f} permissions on average"
    if wrong:
        note += f"; {wrong} WRONG answers"
        report.errors.append(f"{SECTION}: effective_permissions: {wrong} answers differ")
    _in_process_row(report, "queries.effective_permissions", run, baseline, note, unit="query")


# -------------------------------------------------------------------------- HTTP --


def unauthenticated(client: LightClient, number: int) -> LightResponse:
    return client.get("/organizations", headers={"Authorization": ""})


def _headers(consistency: str | None) -> dict[str, str]:
    return {CONSISTENCY: consistency} if consistency else {}


def check_request(checks: Sequence[Check], consistency: str, verdicts: Verdicts) -> Request:
    headers = _headers(consistency)

    def send(client: LightClient, number: int) -> LightResponse:
        check = checks[number % len(checks)]
        response = client.post(
            MEMBERSHIP.format(check.membership_id) + "/check", json=check.body(), headers=headers
        )
        if response.status_code == 200:
            verdicts.record(check, bool(response.json()["authorized"]))
        return response

    return send


def batch_request(checks: Sequence[Check], verdicts: Verdicts) -> Request:
    batches = _batches(checks)
    bodies = [
        {"checks": [{"organization_membership_id": c.membership_id, **c.body()} for c in batch]}
        for batch in batches
    ]

    def send(client: LightClient, number: int) -> LightResponse:
        index = number % len(batches)
        response = client.post("/authorization/check/batch", json=bodies[index])
        if response.status_code == 200:
            for check, item in zip(batches[index], response.json()["data"], strict=True):
                verdicts.record(check, bool(item["authorized"]))
        return response

    return send


def children_request(wanted: Sequence[Children], wrong: list[int]) -> Request:
    def send(client: LightClient, number: int) -> LightResponse:
        request = wanted[number % len(wanted)]
        response = client.get(
            MEMBERSHIP.format(request.membership_id) + "/resources",
            params={"permission_slug": request.permission, "parent_resource_id": request.parent_id},
        )
        if response.status_code == 200:
            found = {item["id"] for item in response.json()["data"]}
            if found != request.expected:
                wrong.append(number)
        return response

    return send


def effective_request(wanted: Sequence[Effective], wrong: list[int]) -> Request:
    def send(client: LightClient, number: int) -> LightResponse:
        request = wanted[number % len(wanted)]
        response = client.get(
            MEMBERSHIP.format(request.membership_id)
            + f"/resources/{request.resource_id}/permissions",
            params={"limit": "100"},
        )
        if response.status_code == 200:
            found = {item["slug"] for item in response.json()["data"]}
            if found != request.expected:
                wrong.append(number)
        return response

    return send


class Writer:
    """Role changes through the API at a steady rate: an ``app-viewer`` assignment on an app
    the membership has no assignment on, later its removal, alternately.

    Paced like the checks (open loop, latency from each write's slot), over a few threads,
    because a write answers only once the access read model holds it (the pipeline's
    freshness), longer than the interval between writes.
    """

    ROLE = "app-viewer"
    THREADS = 8

    def __init__(self, server: Server, data: DataSet, rate: float, seed: int) -> None:
        self.server = server
        self.rate = rate
        self.rng = random.Random(seed)
        self.members = [m for m in data.members if m.active]
        self.data = data
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.latencies: list[float] = []  # from each write's slot
        self.service: list[float] = []  # from sending it
        self.failed = 0
        self.first_error: str | None = None
        self.taken: set[tuple[str, str]] = set()  # (membership, app) assigned here, not removed
        self.started = 0.0
        self.seconds = 0.0  # how long it wrote
        self.threads = [
            threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(self.THREADS)
        ]

    def _target(self) -> tuple[str, str]:
        with self.lock:
            while True:
                member = self.rng.choice(self.members)
                resource_id = self.rng.choice(self.data.of_type(member.organization_id, "app"))
                pair = (member.id, resource_id)
                if (self.ROLE, resource_id) not in member.assignments and pair not in self.taken:
                    self.taken.add(pair)
                    return pair

    def _send(self, client: LightClient, method: str, pair: tuple[str, str]) -> str | None:
        body = {"role_slug": self.ROLE, "resource_id": pair[1]}
        try:
            response = client.request(
                method, MEMBERSHIP.format(pair[0]) + "/role_assignments", json=body
            )
        except CLIENT_ERRORS as exc:
            return f"{method} {type(exc).__name__}: {exc}"
        ok = 201 if method == "POST" else 204
        return None if response.status_code == ok else f"{method} {response.text[:200]}"

    def _run(self, index: int) -> None:
        interval = 1 / self.rate
        mine: list[tuple[str, str]] = []
        client = light_client(self.server)()
        try:
            for number in itertools.count(index, self.THREADS):
                slot = self.started + number * interval
                delay = slot - time.perf_counter()
                if (delay > 0 and self.stop.wait(delay)) or self.stop.is_set():
                    break
                removing = bool(mine) and (number // self.THREADS) % 2 == 1
                pair = mine.pop() if removing else self._target()
                sent = time.perf_counter()
                error = self._send(client, "DELETE" if removing else "POST", pair)
                with self.lock:
                    if error is None:
                        answered = time.perf_counter()
                        self.latencies.append(answered - slot)
                        self.service.append(answered - sent)
                    else:
                        self.failed += 1
                        self.first_error = self.first_error or error
                if removing and error is None:
                    with self.lock:
                        self.taken.discard(pair)
                elif not removing and error is None:
                    mine.append(pair)
            # Leave the data set as it was, so later answers can be verified again.
            for pair in mine:
                self._send(client, "DELETE", pair)
        finally:
            client.close()

    def __enter__(self) -> Writer:
        self.started = time.perf_counter() + 0.05
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.seconds = time.perf_counter() - self.started
        for thread in self.threads:
            thread.join(60)


def _closed(server: Server, config: Config, name: str, request: Request, total: int) -> LoadResult:
    return run_load(
        name,
        light_client(server),
        request,
        total=total,
        clients=config.clients,
        time_limit=config.load_time_limit_s,
        expected=frozenset({200}) if "401" not in name else frozenset({401}),
    )


def _closed_row(
    report: Report,
    result: LoadResult,
    baseline: LoadResult | None,
    note: str = "",
    per_request: int = 1,
    unit: str = "req",
) -> None:
    text = f"{result.completed}/{result.requested} ok"
    if result.failed:
        text += f", {result.failed} failed (first: {result.first_error})"
    report.add(
        Row(
            SECTION,
            f"{result.name}, {result.clients} clients",
            result.per_s * per_request,
            unit,
            result.latency,
            baseline=baseline.per_s if baseline else None,
            baseline_name="401s" if baseline else "",
            note=f"{text}; {note}" if note else text,
        )
    )
    report.detail(f"{SECTION}: {result.name}", result)


def _paced_row(report: Report, result: PacedResult, note: str = "") -> None:
    """Latency from each request's slot; the note has the server's share (from sending)."""
    parts = [
        f"{result.completed}/{result.scheduled} ok",
        f"service p99 {_ms(result.service.p99_ms)}",
        f"{result.sent_late} sent late",
    ]
    if result.unanswered:
        parts.append(f"{result.unanswered} unanswered in time (latencies are lower bounds)")
    if result.failed:
        parts.append(f"{result.failed} failed (first: {result.first_error})")
    if note:
        parts.append(note)
    name = f"{result.name}, paced {result.target_per_s:,.0f}/s"
    report.add(Row(SECTION, name, result.per_s, "req", result.latency, note="; ".join(parts)))
    report.detail(f"{SECTION}: {name}", result)


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def _paced(
    server: Server,
    config: Config,
    name: str,
    request: Request,
    rate: float,
    expected: int = 200,
) -> PacedResult:
    return run_paced(
        name,
        light_client(server),
        request,
        rate=rate,
        seconds=config.access_paced_s,
        clients=config.access_paced_clients,
        expected=frozenset({expected}),
        drain_s=min(3.0, config.access_paced_s / 2),
    )


def _rates(target: float, closed_loop_max: float) -> list[float]:
    """The target rate, and half the closed-loop maximum when the target is beyond it: the
    latency a server shows at a load it can carry."""
    if closed_loop_max >= target:
        return [target]
    return [target, max(1.0, float(round(closed_loop_max / 2)))]


def over_http(
    server: Server, data: DataSet, checks: list[Check], config: Config, report: Report
) -> None:
    total = config.access_http_checks
    say(f"{SECTION}: HTTP checks, closed loop, {config.clients} clients")
    baseline = _closed(server, config, "GET 401 (no key)", unauthenticated, total)
    _closed_row(report, baseline, None)
    capacity = {}
    for mode in (DEFAULT, FAST):
        verdicts = Verdicts()
        name = f"POST check, {mode}"
        result = _closed(server, config, name, check_request(checks, mode, verdicts), total)
        _closed_row(report, result, baseline, verdicts.note(), unit="check")
        _report_wrong(report, name, verdicts)
        capacity[mode] = result.per_s

    verdicts = Verdicts()
    batches = max(10, total // 20)  # each batch several times: 100 checks cost far more
    name = f"POST check/batch, {BATCH} per request"
    result = _closed(server, config, name, batch_request(checks, verdicts), batches)
    note = f"latency per request; {verdicts.note()}"
    _closed_row(report, result, baseline, note, per_request=BATCH, unit="check")
    _report_wrong(report, name, verdicts)

    target = config.access_rate
    say(f"{SECTION}: HTTP checks paced, {config.access_paced_s:.0f} s each")
    floor = _paced(server, config, "GET 401 (no key)", unauthenticated, target, expected=401)
    _paced_row(report, floor, "the floor: client and server without the database")
    for mode in (DEFAULT, FAST):
        for rate in _rates(target, capacity[mode]):
            verdicts = Verdicts()
            name = f"POST check, {mode}"
            paced = _paced(server, config, name, check_request(checks, mode, verdicts), rate)
            _paced_row(report, paced, verdicts.note())
            _report_wrong(report, name, verdicts)

    write_rate = config.access_write_rate
    say(f"{SECTION}: paced checks with {write_rate:.0f} role changes/s through the API")
    for mode in (DEFAULT, FAST):
        for rate in _rates(target, capacity[mode]):
            verdicts = Verdicts()
            name = f"POST check, {mode}, {write_rate:.0f} writes/s"
            with Writer(server, data, write_rate, SEED + 2) as writer:
                paced = _paced(server, config, name, check_request(checks, mode, verdicts), rate)
            # Not verified: the writes change some answers while the checks run.
            share = verdicts.allowed / max(1, verdicts.answered)
            _paced_row(report, paced, f"{share:.0%} allowed")
            _writer_row(report, writer, f"during the {mode} checks at {rate:,.0f}/s")


def _check_targets(
    base_url: str, api_key: str, checks: Sequence[Check], consistency: str
) -> list[Target]:
    """One target per check, numbered in its request id (echoed back) to verify its answer."""
    headers = {
        "Authorization": f"Bearer {api_key}",
        "Content-Type": "application/json",
        **_headers(consistency),
    }
    return [
        Target(
            "POST",
            base_url + MEMBERSHIP.format(check.membership_id) + "/check",
            {**headers, REQUEST_ID: f"check-{number}"},
            json.dumps(check.body()).encode(),
        )
        for number, check in enumerate(checks)
    ]


def _verify(hits: Sequence[Hit], checks: Sequence[Check], verdicts: Verdicts) -> None:
    for hit in hits:
        if hit.status == 200:
            number = int(hit.headers[REQUEST_ID.lower()].removeprefix("check-"))
            verdicts.record(checks[number], bool(json.loads(hit.body)["authorized"]))


def _constant_row(
    report: Report,
    name: str,
    rate: float,
    seconds: float,
    hits: Sequence[Hit],
    expected: int,
    note: str,
) -> None:
    failed = [hit for hit in hits if hit.status != expected]
    parts = [f"{len(hits) - len(failed)}/{len(hits)} ok"]
    scheduled = round(rate * seconds)
    if len(hits) < scheduled:  # every connection was waiting for the server
        parts.append(f"{scheduled - len(hits)} of {scheduled} never sent: the server fell behind")
    if failed:
        parts.append(f"{len(failed)} failed (first: {failed[0].status} {failed[0].error})")
    latency = Latencies.of([hit.latency_s for hit in hits])
    parts.append(note)
    name = f"{name}, vegeta {rate:,.0f}/s"
    report.add(Row(SECTION, name, len(hits) / seconds, "req", latency, note="; ".join(parts)))
    report.detail(f"{SECTION}: {name}", latency)


@contextmanager
def bare_check(server: Server, workers: int) -> Iterator[str]:
    """The bare check app (bare_check.py) on the benchmark's database; yields its base URL."""
    port = free_port()
    app = "tests.benchmarks.bare_check:create"
    command = [sys.executable, "-m", "uvicorn", "--factory", app, "--port", str(port)]
    command += ["--workers", str(workers), "--no-access-log", "--log-level", "warning"]
    process = subprocess.Popen(command, env=server.env, cwd=ROOT)
    try:
        wait_for_port("127.0.0.1", port, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def at_constant_rate(
    server: Server, data: DataSet, checks: list[Check], config: Config, report: Report
) -> None:
    """The paced loads again, from vegeta, whose own CPU does not hold the server back; with
    two floors at the same rate: the API's cheapest request, and a bare check."""
    vegeta_path = vegeta.binary()
    if vegeta_path is None:
        report.warnings.append(f"{SECTION}: no Go to build vegeta: constant-rate rows left out")
        return
    rate, seconds = config.access_rate, config.access_paced_s
    say(f"{SECTION}: HTTP checks at a constant {rate:,.0f}/s from vegeta, {seconds:.0f} s each")
    hits = vegeta.attack(
        vegeta_path, [Target("GET", server.base_url + "/organizations")], rate, seconds
    )
    note = "the floor: client and server without the database"
    _constant_row(report, "GET 401 (no key)", rate, seconds, hits, 401, note)
    with bare_check(server, config.api_workers) as base_url:
        targets = _check_targets(base_url, server.api_key, checks, DEFAULT)
        vegeta.attack(vegeta_path, targets, rate / 4, 2)  # as warm as idgov's API is by now
        hits = vegeta.attack(vegeta_path, targets, rate, seconds)
    note = "the floor for a check: uvicorn and the check's statement, nothing else (bare_check.py)"
    _constant_row(report, "bare check", rate, seconds, hits, 200, note)
    for mode, write_rate in itertools.product((DEFAULT, FAST), (0.0, config.access_write_rate)):
        name = f"POST check, {mode}" + (f", {write_rate:.0f} writes/s" if write_rate else "")
        targets = _check_targets(server.base_url, server.api_key, checks, mode)
        verdicts = Verdicts()
        if not write_rate:
            hits = vegeta.attack(vegeta_path, targets, rate, seconds)
            _verify(hits, checks, verdicts)
            _constant_row(report, name, rate, seconds, hits, 200, verdicts.note())
            _report_wrong(report, name, verdicts)
            continue
        with Writer(server, data, write_rate, SEED + 2) as writer:
            hits = vegeta.attack(vegeta_path, targets, rate, seconds)
        _verify(hits, checks, verdicts)  # the writes change some answers: a share, not verdicts
        share = verdicts.allowed / max(1, verdicts.answered)
        _constant_row(report, name, rate, seconds, hits, 200, f"{share:.0%} allowed")
        _writer_row(report, writer, f"during the {mode} checks at {rate:,.0f}/s")


def _writer_row(report: Report, writer: Writer, during: str) -> None:
    service = Latencies.of(writer.service)
    note = (
        f"{len(writer.latencies)} ok, assign and remove alternately, {during}; service p50"
        f" {_ms(service.p50_ms)}, p99 {_ms(service.p99_ms)}"
    )
    if writer.failed:
        note += f"; {writer.failed} failed (first: {writer.first_error})"
    report.add(
        Row(
            SECTION,
            f"  role assignment writes, paced {writer.rate:.0f}/s",
            len(writer.latencies) / writer.seconds if writer.seconds else None,
            "cmd",
            Latencies.of(writer.latencies),
            note=note,
        )
    )


def discovery_over_http(server: Server, data: DataSet, config: Config, report: Report) -> None:
    say(f"{SECTION}: discovery and effective permissions over HTTP")
    total = config.access_discovery
    baseline = _closed(server, config, "GET 401 (no key)", unauthenticated, total)
    wanted = sample_children(data, total, random.Random(SEED + 3))
    wrong: list[int] = []
    name = "GET membership resources (discovery)"
    result = _closed(server, config, name, children_request(wanted, wrong), total)
    note = "workspace parents, inherited access, fully_consistent"
    if wrong:
        note += f"; {len(wrong)} WRONG answers"
        report.errors.append(f"{SECTION}: discovery: {len(wrong)} answers differ from the data set")
    _closed_row(report, result, baseline, note)
    effective = sample_effective(data, total, random.Random(SEED + 4))
    wrong = []
    name = "GET effective permissions"
    result = _closed(server, config, name, effective_request(effective, wrong), total)
    note = "the check mix's resources, fully_consistent"
    if wrong:
        note += f"; {len(wrong)} WRONG answers"
        report.errors.append(f"{SECTION}: effective permissions: {len(wrong)} answers differ")
    _closed_row(report, result, baseline, note)


# ------------------------------------------------------------------------- section --


def settle(database_url: str, report: Report) -> None:
    """What pgbench does before it measures: vacuum and analyze what the load wrote, and
    checkpoint, so that neither runs in the background of the measurements (a server in
    steady state has long since done both)."""
    started = time.perf_counter()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        conn.execute("CHECKPOINT")
    note = f"VACUUM (ANALYZE) and CHECKPOINT in {time.perf_counter() - started:.1f} s"
    report.add(Row(SECTION, "data set settled, as pgbench does", note=note))


def machine_busy(report: Report, before: str) -> None:
    """How busy the machine is with other work, sampled while idgov idles before a part."""
    busy = machine.busy_fraction()
    if busy is None:
        return
    note = f"{busy:.0%} of all CPUs busy with other work (1 s sample, idgov idle)"
    report.add(Row(SECTION, f"machine before {before}", note=note))
    if busy > machine.BUSY_WARNING:
        report.warnings.append(
            f"{SECTION}: the machine was {busy:.0%} busy with other work before {before}:"
            " those numbers are low and noisy"
        )


def access_checks(admin_url: str, bootstrap: str, config: Config, report: Report) -> None:
    """The whole access part, on a fresh database and topic with the Kafka stack."""
    topic = services.new_topic_name("access")
    with ExitStack() as stack:
        database_url = stack.enter_context(fresh_database(admin_url, "idgov_bench"))
        stack.callback(delete_topics, bootstrap, [topic])
        say(f"{SECTION}: starting idgov (topic {topic})")
        server = stack.enter_context(
            kafka_stack(
                database_url,
                bootstrap,
                topic,
                kafka_group_prefix=f"{topic}.",
                api_workers=str(config.api_workers),
            )
        )
        report.add(Row(SECTION, "API", note=f"{config.api_workers} worker processes"))
        positions = stack.enter_context(probes.positions(database_url, topic))
        data = load_data_set(server, positions, config, report)
        settle(database_url, report)
        checks = sample_checks(data, config.access_checks, random.Random(SEED))
        machine_busy(report, "the in-process checks")
        in_process(database_url, data, checks, config, report)
        machine_busy(report, "the HTTP checks")
        over_http(server, data, checks, config, report)
        at_constant_rate(server, data, checks, config, report)
        machine_busy(report, "discovery over HTTP")
        discovery_over_http(server, data, config, report)
        say(f"{SECTION}: stopping")
