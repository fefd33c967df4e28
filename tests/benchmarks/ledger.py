"""The hash chain's cost and speed (projections/ledger): writing with the chain against the same
writes with its trigger switched off, and verifying the chain against reading the same rows.

In-process, on a fresh database: the event store's own saves (a command's handful of events
per save, and bulk saves of hundreds), then ``verify`` over everything written.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from idgov.bootstrap import System, checkpoint_signing_key
from idgov.database import Database
from idgov.settings import Settings
from projections.ledger.verify import FETCH_ROWS, verify
from tests.benchmarks.config import Config
from tests.benchmarks.report import Report, Row, say
from tests.helpers import fresh_database
from tests.integration.support import bulk_events

SECTION = "ledger"
COMMAND_EVENTS = 7  # bulk_events' unit: an organization, a user and a membership


def hash_chain(admin_url: str, config: Config, report: Report) -> None:
    """Writes on one database (its trigger switched off and on), verification on another,
    where every event is chained."""
    say(f"{SECTION}: writes with and without the chain")
    with _system(admin_url) as system:
        _writes(system, config, report)
    say(f"{SECTION}: verifying {config.ledger_events} events")
    with _system(admin_url) as system:
        bulk_events(system.commands, config.ledger_events, chunk=100)
        _verification(system, report)


@contextmanager
def _system(admin_url: str) -> Iterator[System]:
    with (
        fresh_database(admin_url, "idgov_bench") as url,
        tempfile.TemporaryDirectory(prefix="idgov-bench-ledger-") as data_dir,
    ):
        settings = Settings(database_url=url, data_dir=Path(data_dir), db_pool_size=2)
        system = System(settings, Database.from_url(url))
        try:
            yield system
        finally:
            system.close()


def _writes(system: System, config: Config, report: Report) -> None:
    """Rounds alternate between chained and unchained, so both see the same machine."""
    commands = config.ledger_commands
    rates: dict[tuple[str, bool], list[float]] = {}
    for _ in range(3):
        for chained in (True, False):
            _chain_trigger(system, enabled=chained)
            for size, events, chunk in (("command", COMMAND_EVENTS, 1), ("bulk", 2100, 100)):
                count = commands if size == "command" else 3
                started = time.perf_counter()
                for _ in range(count):
                    bulk_events(system.commands, events, chunk=chunk)
                elapsed = time.perf_counter() - started
                rates.setdefault((size, chained), []).append(count * events / elapsed)
    _chain_trigger(system, enabled=True)
    for size, what in (("command", "saves of 7 events"), ("bulk", "saves of 700 events")):
        report.add(
            Row(
                SECTION,
                f"event store writes, {what}, chained",
                max(rates[size, True]),
                "ev",
                baseline=max(rates[size, False]),
                baseline_name="unchained",
                note="best of 3 alternating rounds",
            )
        )


def _verification(system: System, report: Report) -> None:
    key = checkpoint_signing_key(system.settings).public_key()
    with system.database.connect() as conn:
        started = time.perf_counter()
        _read_rows(conn, system.events_table)
        reading = time.perf_counter() - started
        started = time.perf_counter()
        verdict = verify(conn, system.events_table, [], key)
        verifying = time.perf_counter() - started
    assert verdict.finding is None, verdict.finding
    report.add(
        Row(
            SECTION,
            "audit verify: recompute the chain",
            verdict.events / verifying,
            "ev",
            baseline=verdict.events / reading,
            baseline_name="SELECT",
            note=f"{verdict.events} events; the baseline reads the same rows and links",
        )
    )


def _read_rows(conn: psycopg.Connection[Any], events: sql.Identifier) -> None:
    """What ``verify`` reads, as it reads it (server-side cursors, one snapshot), unhashed."""
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        for name, query in (
            ("events", sql.SQL("SELECT * FROM {} ORDER BY notification_id").format(events)),
            ("links", sql.SQL("SELECT * FROM ledger.chain ORDER BY position")),
        ):
            with conn.cursor(name=name) as rows:
                rows.itersize = FETCH_ROWS
                for _ in rows.execute(query):
                    pass


def _chain_trigger(system: System, *, enabled: bool) -> None:
    action = "ENABLE" if enabled else "DISABLE"
    with system.database.connect() as conn:
        conn.execute(
            sql.SQL("ALTER TABLE {} {} TRIGGER ledger_chain").format(
                system.events_table, sql.SQL(action)
            )
        )
