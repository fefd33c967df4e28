"""Acceptance: the real ``idgov relay`` and ``idgov project`` processes killed with SIGKILL in
the middle of their work lose nothing and apply nothing twice.

Each test records about 10,000 events straight into the event store, runs the process,
kills it while it is busy, restarts it, and checks the outcome against the event store:
every public event on the topic (re-publications identical to the first), and a read
model equal to one rebuilt from the event store.
"""

from __future__ import annotations

import signal
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from consumers.worker import ProjectionWorker
from tests.integration.support import (
    assert_same_model,
    bulk_events,
    consume_all,
    dead_letters,
    drain,
    end_offsets,
    headers_of,
    is_watermark,
    open_system,
    position_of,
    public_positions,
    rebuild_directory,
    relay_everything,
    relay_position,
    stored_offsets,
    view_watermark,
    wait_until,
)
from tests.servers import Process, idgov_env

pytestmark = pytest.mark.kafka

EVENTS = 10_000


def _env(database_url: str, bootstrap: str, topic: str, **settings: str) -> dict[str, str]:
    return idgov_env(
        database_url, kafka_bootstrap=bootstrap, kafka_topic=topic, kafka_partitions="3", **settings
    )


def _stop(process: Process) -> int | None:
    """SIGTERM, and the exit code; a process that is not running anymore is only reaped."""
    if process.popen is not None and process.popen.poll() is not None:
        return process.popen.returncode
    return process.stop()


def test_relay_killed_in_the_middle_resumes_and_publishes_every_event(
    new_database: Callable[[], str], new_topic: Callable[[], str], kafka_bootstrap: str
) -> None:
    database_url, topic = new_database(), new_topic()
    with open_system(database_url) as system:
        end = bulk_events(system.commands, EVENTS)
        assert end >= EVENTS - 7
        expected = public_positions(system.commands)

        relay = Process(
            "relay", ["relay"], _env(database_url, kafka_bootstrap, topic, relay_batch_size="100")
        )
        try:
            seen = wait_until(
                lambda: (p := relay_position(database_url, topic)) > 0 and p,
                60,
                "the relay to record a first position",
                interval=0.01,
            )
            relay.kill()
            recorded = relay_position(database_url, topic)
            assert seen <= recorded < end, f"the kill came too late: {recorded} of {end} published"

            relay.start()
            wait_until(
                lambda: relay_position(database_url, topic) == end,
                120,
                "the restarted relay to finish",
            )
        finally:
            code = _stop(relay)
        assert code == 0, relay.tail()

        records = consume_all(kafka_bootstrap, topic)
        copies: dict[int, list[Any]] = defaultdict(list)
        for record in records:
            if not is_watermark(record):
                copies[position_of(record)].append(record)

        # Every public event is on the topic, and nothing else (claims stay internal).
        assert set(copies) == set(expected)
        # What was published twice was published again after the recorded position only,
        # and the copies are identical: same id, same body, same key and partition.
        duplicated = sorted(p for p, found in copies.items() if len(found) > 1)
        assert all(p > recorded for p in duplicated), (recorded, duplicated[:5])
        for position in duplicated:
            found = copies[position]
            assert len({headers_of(r)["ce_id"] for r in found}) == 1
            assert len({r.value for r in found}) == 1
            assert len({(r.key, r.partition) for r in found}) == 1
            assert headers_of(found[0])["ce_type"].decode() == expected[position]
        # Per key, first publications are in event-store order.
        first_seen: dict[bytes, list[int]] = defaultdict(list)
        known: set[int] = set()
        for record in records:
            if not is_watermark(record) and position_of(record) not in known:
                known.add(position_of(record))
                first_seen[record.key].append(position_of(record))
        for key, positions in first_seen.items():
            assert positions == sorted(positions), key

        # A projection worker reads it all, duplicates included, into the same model as a rebuild.
        view = system.views["directory"]
        worker = ProjectionWorker(
            view,
            bootstrap=kafka_bootstrap,
            topic=topic,
            group_id="idgov.test.crash.relay",
            batch_size=2000,
        )
        try:
            drain(worker, database_url, topic)
        finally:
            worker.consumer.close()
        assert view_watermark(database_url, "directory", topic) == end
        assert dead_letters(database_url, "directory") == []
        rebuild_directory(system, "directory_expected").datastore.close()
        model = assert_same_model(database_url, "directory", "directory_expected")
        assert len(model["organizations"]) == EVENTS // 7


def _open_write_transactions(database_url: str) -> int:
    """Other sessions on this database that are inside a transaction that has written."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
        ).fetchone()
    return int(row[0]) if row else 0


def test_worker_killed_mid_batch_resumes_exactly_once(
    new_database: Callable[[], str], new_topic: Callable[[], str], kafka_bootstrap: str
) -> None:
    database_url, topic = new_database(), new_topic()
    with open_system(database_url) as system:
        end = bulk_events(system.commands, EVENTS)
        relay_everything(system, kafka_bootstrap, topic, batch_size=1000)
        ends = end_offsets(kafka_bootstrap, topic)
        total = sum(ends.values())

        # The restarted worker joins its group once the broker has given up on the killed one.
        env = _env(
            database_url,
            kafka_bootstrap,
            topic,
            projection_batch_size="2000",
            kafka_session_timeout_ms="6000",
        )
        worker = Process("worker", ["project", "directory"], env)
        try:

            def mid_batch() -> bool:
                applied = sum(stored_offsets(database_url, "directory", topic).values())
                return 0 < applied < total and _open_write_transactions(database_url) > 0

            wait_until(mid_batch, 90, "the worker to be in the middle of a batch", interval=0.005)
            worker.kill()
            # The batch in flight is rolled back as a whole.
            wait_until(lambda: _open_write_transactions(database_url) == 0, 10, "the rollback")
            at_kill = stored_offsets(database_url, "directory", topic)
            assert 0 < sum(at_kill.values()) < total
            assert view_watermark(database_url, "directory", topic) < end

            started = time.monotonic()
            worker.start()
            wait_until(
                lambda: view_watermark(database_url, "directory", topic) == end,
                150,
                "the restarted worker",
            )
            catch_up = time.monotonic() - started
            worker.signal(signal.SIGTERM)
        finally:
            code = _stop(worker)
        assert code == 0, worker.tail()
        assert catch_up < 60, f"the restarted worker took {catch_up:.0f} s to catch up"

        assert dead_letters(database_url, "directory") == []
        assert stored_offsets(database_url, "directory", topic) == ends
        rebuild_directory(system, "directory_expected").datastore.close()
        model = assert_same_model(database_url, "directory", "directory_expected")
        assert len(model["memberships"]) == EVENTS // 7
