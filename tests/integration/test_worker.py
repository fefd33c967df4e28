"""Projection workers against real Kafka and PostgreSQL: one transaction per batch, duplicates
skipped by position, dead letters, consumer groups, and the watermark over partitions."""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

from api.routes.health import snapshot
from consumers.messages import Message, decode
from consumers.relay import Relay, new_producer, partition_for
from consumers.worker import ProjectionWorker
from domain import ids
from domain.users import User
from idgov.bootstrap import System
from projections.base import ADVANCED_CHANNEL, BatchResult, ProjectionView, kafka_stream
from projections.freshness import EVERYTHING, Freshness, NotFreshEnough, Wanted
from tests.integration.support import (
    CONTEXT,
    SOURCE,
    assert_same_model,
    by_partition,
    consume_all,
    dead_letters,
    drain,
    dump_directory,
    end_offsets,
    is_watermark,
    open_system,
    position_of,
    rebuild_directory,
    relay_everything,
    republish,
    stored_offsets,
    stream_positions,
    view_watermark,
    wait_until,
)

pytestmark = pytest.mark.kafka


def _commands(system: System, prefix: str, organizations: int = 6) -> list[str]:
    app = system.commands
    orgs = [
        app.organizations.create_organization(CONTEXT, name=f"{prefix} {i}").value.id
        for i in range(organizations)
    ]
    users = [
        app.users.create_user(CONTEXT, email=f"{prefix}-{i}@example.com").value.id for i in range(3)
    ]
    for org in orgs:
        app.organizations.update_organization(CONTEXT, org, metadata={"p": prefix})
        for user in users[:2]:
            app.memberships.create_membership(CONTEXT, user_id=user, organization_id=org)
    return orgs


class Recorder:
    """Counts what a view's batches did (the view stays the real one)."""

    def __init__(self, view: ProjectionView) -> None:
        self.results: list[BatchResult] = []
        apply = view.apply_batch

        def apply_batch(deliveries: Any) -> BatchResult:
            result = apply(deliveries)
            self.results.append(result)
            return result

        view.apply_batch = apply_batch  # type: ignore[method-assign]

    def total(self, field: str) -> int:
        return sum(getattr(r, field) for r in self.results)


def _worker(
    view: ProjectionView, bootstrap: str, topic: str, group: str | None = None, batch: int = 500
) -> ProjectionWorker:
    return ProjectionWorker(
        view,
        bootstrap=bootstrap,
        topic=topic,
        group_id=group or f"idgov.test.{secrets.token_hex(4)}",
        batch_size=batch,
    )


@contextmanager
def _view(system: System, schema: str) -> Iterator[ProjectionView]:
    view = system.open_view("directory", schema)
    try:
        yield view
    finally:
        view.datastore.close()


def test_a_batch_and_its_offsets_are_committed_in_one_transaction(
    new_database: Callable[[], str], new_topic: Callable[[], str], kafka_bootstrap: str
) -> None:
    database_url, topic = new_database(), new_topic()
    with open_system(database_url) as system, _view(system, "dir_tx") as view:
        _commands(system, "first")
        relay_everything(system, kafka_bootstrap, topic)
        worker = _worker(view, kafka_bootstrap, topic, group="idgov.test.tx", batch=10_000)
        try:
            wait_until(lambda: worker.poll_once(timeout_ms=500), 60, "a first batch")
            assert dump_directory(database_url, "dir_tx")["organizations"], (
                "the first batch was applied"
            )
            # The stored offsets are where the consumer stands.
            stored = stored_offsets(database_url, "dir_tx", topic)
            assert stored
            for partition, offset in stored.items():
                assert worker.consumer.position(_tp(topic, partition)) == offset
            drain(worker, database_url, topic)

            # A batch whose last write (its Kafka offsets) fails leaves nothing behind: not its
            # rows, not its stream positions. They are one transaction.
            before = dump_directory(database_url, "dir_tx")
            positions = stream_positions(database_url, "dir_tx")
            offsets = stored_offsets(database_url, "dir_tx", topic)
            with psycopg.connect(database_url, autocommit=True) as conn:
                conn.execute(
                    "CREATE FUNCTION dir_tx.refuse() RETURNS trigger LANGUAGE plpgsql AS"
                    " $$ BEGIN RAISE EXCEPTION 'offsets refused by the test'; END $$"
                )
                conn.execute(
                    "CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON dir_tx.kafka_offsets"
                    " FOR EACH ROW EXECUTE FUNCTION dir_tx.refuse()"
                )
            _commands(system, "second")
            relay_everything(system, kafka_bootstrap, topic)
            with pytest.raises(Exception, match="offsets refused by the test"):
                wait_until(lambda: worker.poll_once(timeout_ms=500), 30, "a second batch")
            assert dump_directory(database_url, "dir_tx") == before
            assert stream_positions(database_url, "dir_tx") == positions
            assert stored_offsets(database_url, "dir_tx", topic) == offsets
        finally:
            worker.consumer.close()  # the crashed worker leaves the group

        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("DROP TRIGGER refuse ON dir_tx.kafka_offsets")
        # Restarted, it resumes at the stored offsets and applies the lost batch.
        worker = _worker(view, kafka_bootstrap, topic, group="idgov.test.tx")
        try:
            drain(worker, database_url, topic)
        finally:
            worker.consumer.close()
        assert view_watermark(database_url, "dir_tx", topic) == system.event_store_position()
        rebuild_directory(system, "dir_tx_expected").datastore.close()
        assert_same_model(database_url, "dir_tx", "dir_tx_expected")
        assert dead_letters(database_url, "dir_tx") == []


def _tp(topic: str, partition: int) -> Any:
    from kafka import TopicPartition

    return TopicPartition(topic, partition)


def test_redelivered_messages_change_nothing(
    new_database: Callable[[], str], new_topic: Callable[[], str], kafka_bootstrap: str
) -> None:
    database_url, topic = new_database(), new_topic()
    with open_system(database_url) as system, _view(system, "dir_dup") as view:
        _commands(system, "dup")
        relay_everything(system, kafka_bootstrap, topic)
        counts = Recorder(view)
        worker = _worker(view, kafka_bootstrap, topic)
        try:
            drain(worker, database_url, topic)
            applied = counts.total("applied")
            assert applied > 0
            assert counts.total("skipped") == 0
            model = dump_directory(database_url, "dir_dup")
            positions = stream_positions(database_url, "dir_dup")
            assert view_watermark(database_url, "dir_dup", topic) == system.event_store_position()

            def unchanged() -> None:
                assert dump_directory(database_url, "dir_dup") == model
                assert stream_positions(database_url, "dir_dup") == positions
                assert dead_letters(database_url, "dir_dup") == []

            # 1. The consumer seeks back to the beginning: everything comes again, all skipped.
            counts.results.clear()
            worker.consumer.seek_to_beginning()
            drain(worker, database_url, topic)
            assert counts.total("applied") == 0
            assert counts.total("skipped") == applied
            unchanged()

            # 2. Copies of every message are published again (an at-least-once relay after a crash).
            counts.results.clear()
            records = consume_all(kafka_bootstrap, topic)
            republish(kafka_bootstrap, topic, records)
            drain(worker, database_url, topic)
            assert counts.total("applied") == 0
            assert counts.total("skipped") == applied
            unchanged()
        finally:
            worker.consumer.close()

        # 3. Another consumer, whose offsets were lost, reads the topic from offset 0.
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("DELETE FROM dir_dup.kafka_offsets")
        counts.results.clear()
        other = _worker(view, kafka_bootstrap, topic)
        try:
            drain(other, database_url, topic)
        finally:
            other.consumer.close()
        assert counts.total("applied") == 0
        assert counts.total("skipped") == 2 * applied
        unchanged()
        assert stored_offsets(database_url, "dir_dup", topic) == end_offsets(kafka_bootstrap, topic)


def test_an_event_the_model_cannot_apply_is_dead_lettered_and_the_stream_moves_on(
    new_database: Callable[[], str], new_topic: Callable[[], str], kafka_bootstrap: str
) -> None:
    database_url, topic = new_database(), new_topic()
    with open_system(database_url, kafka_bootstrap, topic) as system:
        app = system.commands
        view = system.views["directory"]
        before = app.organizations.create_organization(CONTEXT, name="before").value
        # Text PostgreSQL cannot store, accepted before the API refused it: read repaired.
        poison = app.organizations.create_organization(CONTEXT, name="bad\x00name").value
        corrupt = app.organizations.create_organization(CONTEXT, name="corrupted in transit").value
        # Refused by the read model: a second user with a taken email, saved without the claim
        # the use case takes (as a faulty bulk import might).
        app.users.create_user(CONTEXT, email="taken@example.com")
        app.store.save(
            User(
                id=ids.new_id(ids.USER),
                email="taken@example.com",
                first_name=None,
                last_name=None,
                email_verified=False,
                external_id=None,
                metadata={},
                context=CONTEXT,
            )
        )
        later_user = app.users.create_user(CONTEXT, email="later@example.com").value
        # Later events on the same partitions as the bad ones.
        partitions = [0, 1, 2]
        after = []
        while {partition_for(o.encode(), partitions) for o in after} < {
            partition_for(poison.id.encode(), partitions),
            partition_for(corrupt.id.encode(), partitions),
        }:
            after.append(
                app.organizations.create_organization(CONTEXT, name=f"after {len(after)}").value.id
            )
        app.organizations.update_organization(CONTEXT, before.id, name="before, renamed")

        class CorruptingRelay(Relay):
            def _send(self, message: Message, partition: int) -> Any:
                # Only the organization's own event; its root resource's travels intact.
                if dict(message.headers).get("ce_subject") == corrupt.id.encode():
                    message = Message(
                        message.key, b'{"truncated": ', message.headers, message.position
                    )
                return super()._send(message, partition)

        producer = new_producer(kafka_bootstrap)
        try:
            relay = CorruptingRelay(
                app.store,
                system.relay_tracking(),
                producer,
                topic=topic,
                source=SOURCE,
                watermark_after=0,  # the end reaches every partition at once
            )
            while relay.relay_once():
                pass
        finally:
            producer.close(timeout=10)

        worker = _worker(view, kafka_bootstrap, topic)
        try:
            drain(worker, database_url, topic)
        finally:
            worker.consumer.close()

        letters = dead_letters(database_url, "directory")
        assert len(letters) == 2, letters
        by_error = {("undecodable" in letter["error"]): letter for letter in letters}
        handler_failure, undecodable = by_error[False], by_error[True]
        assert handler_failure["event_type"] is not None
        assert "Created" in handler_failure["event_type"]
        assert "User.Created" in handler_failure["event_type"]
        assert "duplicate key" in handler_failure["error"]
        assert handler_failure["stream"].startswith(topic + ":")
        assert undecodable["error"].startswith("undecodable event")
        assert undecodable["payload"] is not None

        # The streams moved on: everything after the bad events is applied, up to the end.
        assert view_watermark(database_url, "directory", topic) == system.event_store_position()
        names = {row["id"]: row["name"] for row in dump_directory(database_url)["organizations"]}
        assert names[before.id] == "before, renamed"
        assert all(org in names for org in after)
        assert names[poison.id] == "bad\ufffdname"
        assert corrupt.id not in names
        emails = {row["email"] for row in dump_directory(database_url)["users"]}
        assert {"taken@example.com", later_user.email} <= emails

        health = snapshot(system.services())
        assert health["projections"]["directory"]["dead_letters"] == 2
        assert health["projections"]["directory"]["lag"] == 0
        assert health["status"] == "degraded"


def test_two_workers_in_one_group_split_partitions_and_build_the_same_model(
    new_database: Callable[[], str], new_topic: Callable[[], str], kafka_bootstrap: str
) -> None:
    database_url, topic = new_database(), new_topic()
    group = f"idgov.test.split.{secrets.token_hex(3)}"
    with (
        open_system(database_url) as system,
        _view(system, "dir_split") as one,
        _view(system, "dir_split") as two,
    ):
        counts = [Recorder(one), Recorder(two)]
        workers = [
            _worker(view, kafka_bootstrap, topic, group=group, batch=50) for view in (one, two)
        ]
        assigned: list[set[int]] = [set(), set()]
        for index, worker in enumerate(workers):
            original = worker.on_assigned

            def on_assigned(tps: list[Any], original: Any = original, index: int = index) -> None:
                assigned[index] = {tp.partition for tp in tps}
                original(tps)

            worker.on_assigned = on_assigned  # type: ignore[method-assign]
        stop = threading.Event()
        threads = [threading.Thread(target=w.run, args=(stop,)) for w in workers]
        for thread in threads:
            thread.start()
        try:
            wait_until(
                lambda: (
                    all(assigned)
                    and assigned[0] | assigned[1] == {0, 1, 2}
                    and not assigned[0] & assigned[1]
                ),
                60,
                "both workers to get their share of the partitions",
            )
            for round_ in range(3):
                _commands(system, f"split-{round_}", organizations=10)
                relay_everything(system, kafka_bootstrap, topic)
            end = system.event_store_position()
            wait_until(
                lambda: view_watermark(database_url, "dir_split", topic) == end, 60, "the watermark"
            )
        finally:
            stop.set()
            for thread in threads:
                thread.join(30)
        assert not any(thread.is_alive() for thread in threads)
        assert counts[0].total("applied") > 0
        assert counts[1].total("applied") > 0
        assert dead_letters(database_url, "dir_split") == []
        rebuild_directory(system, "dir_split_expected").datastore.close()
        assert_same_model(database_url, "dir_split", "dir_split_expected")


def test_the_watermark_is_the_minimum_over_partitions(
    new_database: Callable[[], str], new_topic: Callable[[], str], kafka_bootstrap: str
) -> None:
    database_url, topic = new_database(), new_topic()
    with open_system(database_url) as system, _view(system, "dir_wm") as view:
        _commands(system, "wm", organizations=9)
        relay_everything(system, kafka_bootstrap, topic, batch_size=10)
        end = system.event_store_position()
        partitions = by_partition(consume_all(kafka_bootstrap, topic))
        assert sorted(partitions) == [0, 1, 2]
        freshness = Freshness(system.reads.pool, "dir_wm", f"{topic}:%", system.event_store_head())

        def deliveries(records: list[Any]) -> list[Any]:
            return [
                decode(kafka_stream(topic, r.partition), r.offset, list(r.headers), r.value)
                for r in records
            ]

        assert freshness.watermark() == 0  # no stream known yet
        view.register_streams([kafka_stream(topic, p) for p in range(3)])
        assert freshness.watermark() == 0
        # Partitions 0 and 1 complete, 2 untouched: the model is complete up to nothing.
        view.apply_batch(deliveries(partitions[0]))
        view.apply_batch(deliveries(partitions[1]))
        assert freshness.watermark() == 0
        with pytest.raises(NotFreshEnough) as stale:
            freshness.wait_for(1, timeout=0.2)
        assert (stale.value.wanted, stale.value.reached) == (1, 0)
        # Half of partition 2: complete up to the last position partition 2 has reached.
        half = len(partitions[2]) // 2
        view.apply_batch(deliveries(partitions[2][:half]))
        reached = position_of(partitions[2][half - 1])
        assert 0 < reached < end
        assert freshness.watermark() == reached
        with pytest.raises(NotFreshEnough):
            freshness.wait_for_everything_committed(timeout=0.2)
        # Everything: the model is complete up to the event store's position.
        view.apply_batch(deliveries(partitions[2][half:]))
        assert freshness.watermark() == end
        assert freshness.wait_for_everything_committed(timeout=1) == end
        assert any(is_watermark(r) for r in partitions[2])
        # Applied partition by partition, the model still equals one built in event-store order.
        rebuild_directory(system, "dir_wm_expected").datastore.close()
        assert_same_model(database_url, "dir_wm", "dir_wm_expected")


def test_a_read_sent_with_its_probe_is_read_again_once_the_model_has_caught_up(
    new_database: Callable[[], str], new_topic: Callable[[], str], kafka_bootstrap: str
) -> None:
    database_url, topic = new_database(), new_topic()
    with open_system(database_url) as system, _view(system, "dir_probed") as view:
        organizations = _commands(system, "probed", organizations=9)
        relay_everything(system, kafka_bootstrap, topic, batch_size=10)
        end = system.event_store_position()
        partitions = by_partition(consume_all(kafka_bootstrap, topic))
        view.register_streams([kafka_stream(topic, p) for p in range(3)])
        freshness = Freshness(
            system.reads.pool, "dir_probed", f"{topic}:%", system.event_store_head()
        )
        count = "SELECT count(*) AS organizations FROM dir_probed.organizations"

        def deliveries(records: list[Any]) -> list[Any]:
            return [
                decode(kafka_stream(topic, r.partition), r.offset, list(r.headers), r.value)
                for r in records
            ]

        def read(wanted: Wanted, timeout: float) -> tuple[int, int]:
            async def on_an_event_loop() -> tuple[DictRow, int]:
                async with AsyncConnectionPool(
                    database_url, kwargs={"autocommit": True, "row_factory": dict_row}
                ) as pool:
                    return await freshness.read_one(pool, count, (), wanted, timeout)

            row, reached = asyncio.run(on_an_event_loop())
            return row["organizations"], reached

        view.apply_batch(deliveries(partitions[0]))
        view.apply_batch(deliveries(partitions[1]))
        # The model as it is: the organizations of partitions 0 and 1, complete up to nothing.
        first_two = [o for o in organizations if partition_for(o.encode(), [0, 1, 2]) < 2]
        assert read(None, timeout=1) == (len(first_two), 0)
        with pytest.raises(NotFreshEnough):
            read(EVERYTHING, timeout=0.2)
        with pytest.raises(NotFreshEnough):
            read(end, timeout=0.2)
        # The rest arrives while a read waits: it answers from the model that holds it all.
        later = threading.Timer(0.3, lambda: view.apply_batch(deliveries(partitions[2])))
        later.start()
        try:
            assert read(EVERYTHING, timeout=10) == (9, end)
        finally:
            later.join()
        assert read(end, timeout=1) == (9, end)


def test_a_committed_batch_wakes_the_reads_waiting_for_its_model(
    new_database: Callable[[], str], new_topic: Callable[[], str], kafka_bootstrap: str
) -> None:
    database_url, topic = new_database(), new_topic()
    with open_system(database_url) as system, _view(system, "dir_wake") as view:
        _commands(system, "wake", organizations=2)
        relay_everything(system, kafka_bootstrap, topic, batch_size=10)
        records = consume_all(kafka_bootstrap, topic)
        view.register_streams(sorted({kafka_stream(topic, r.partition) for r in records}))
        wakeups = system.wakeups
        before = wakeups.commits("dir_wake")
        wakeups.start()
        # Once listening, it counts one commit for every model it knows of (a commit may
        # have slipped by before it listened).
        wakeups.wait("dir_wake", before, timeout=30)
        listening = wakeups.commits("dir_wake")
        assert listening == before + 1

        wakeups.wait("dir_wake", listening, timeout=0.5)
        assert wakeups.commits("dir_wake") == listening  # nothing committed: nothing woke

        view.apply_batch(
            [
                decode(kafka_stream(topic, r.partition), r.offset, list(r.headers), r.value)
                for r in records
            ]
        )
        wakeups.wait("dir_wake", listening, timeout=30)
        assert wakeups.commits("dir_wake") == listening + 1
        assert wakeups.commits("directory") == 0  # another model's waits sleep on

        # A wait on an event loop (the checks') is woken the same way, holding no thread.
        async def waited_on_a_loop(seen: int, timeout: float) -> float:
            started = time.monotonic()
            await wakeups.wait_async("dir_wake", seen, timeout)
            return time.monotonic() - started

        seen = wakeups.commits("dir_wake")
        assert asyncio.run(waited_on_a_loop(seen, 0.3)) >= 0.3  # nothing committed: no wake
        notify = threading.Timer(0.2, _notify_advanced, (database_url, "dir_wake"))
        notify.start()
        try:
            waited = asyncio.run(waited_on_a_loop(seen, 30))
        finally:
            notify.join()
        assert wakeups.commits("dir_wake") == seen + 1
        assert waited < 10  # woken by the commit, long before the timeout


def _notify_advanced(database_url: str, model: str) -> None:
    """What ``ProjectionView.apply_batch`` sends when it commits a batch to ``model``."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SELECT pg_notify(%s, %s)", (ADVANCED_CHANNEL, model))


def test_an_external_id_moved_between_organizations_applies_in_any_partition_order(
    new_database: Callable[[], str], new_topic: Callable[[], str], kafka_bootstrap: str
) -> None:
    database_url, topic = new_database(), new_topic()
    with open_system(database_url) as system, _view(system, "dir_order") as view:
        app = system.commands
        partitions = [0, 1, 2]
        first = app.organizations.create_organization(
            CONTEXT, name="first", external_id="shared"
        ).value
        # The second organization lands on another partition than the first.
        second_id = None
        while second_id is None:
            candidate = app.organizations.create_organization(CONTEXT, name="candidate").value.id
            if partition_for(candidate.encode(), partitions) != partition_for(
                first.id.encode(), partitions
            ):
                second_id = candidate
        app.organizations.update_organization(CONTEXT, first.id, external_id="moved")
        app.organizations.update_organization(
            CONTEXT, second_id, external_id="shared"
        )  # legal: "shared" was released
        relay_everything(system, kafka_bootstrap, topic)
        records = by_partition(consume_all(kafka_bootstrap, topic))
        # A worker applies what one poll returns partition by partition: the second
        # organization's partition may well come first.
        order = [
            partition_for(second_id.encode(), partitions),
            partition_for(first.id.encode(), partitions),
        ]
        order += [p for p in partitions if p not in order]
        view.register_streams([kafka_stream(topic, p) for p in partitions])
        for partition in order:
            view.apply_batch(
                [
                    decode(kafka_stream(topic, r.partition), r.offset, list(r.headers), r.value)
                    for r in records[partition]
                ]
            )
        assert dead_letters(database_url, "dir_order") == []
        rebuild_directory(system, "dir_order_expected").datastore.close()
        assert_same_model(database_url, "dir_order", "dir_order_expected")


def test_creating_the_models_again_waits_for_no_lock_live_writes_hold(
    new_database: Callable[[], str],
) -> None:
    """Every idgov process creates what is missing at start, beside workers that are writing:
    with every table of the models held by an open write transaction, that still finishes."""
    database_url = new_database()
    with open_system(database_url) as system, psycopg.connect(database_url) as writer:
        tables = writer.execute(
            "SELECT format('%I.%I', table_schema, table_name) FROM information_schema.tables"
            " WHERE table_schema IN ('directory', 'access') AND table_type = 'BASE TABLE'"
        ).fetchall()
        assert len(tables) > 10
        for (table,) in tables:
            writer.execute(f"LOCK TABLE {table} IN ROW EXCLUSIVE MODE")  # as a worker's batch

        done = threading.Event()

        def create_again() -> None:
            for name in ("directory", "access"):
                system.open_view(name).datastore.close()
            done.set()

        thread = threading.Thread(target=create_again, daemon=True)
        thread.start()
        finished = done.wait(timeout=15)
        writer.rollback()  # releases a creation that waits, so that the test ends either way
        thread.join(timeout=30)
        assert finished, "creating the existing models waited for the writers' locks"
