"""Helpers for the pipeline tests: systems, bulk events, reading the topic, dumping read models."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from psycopg import sql
from psycopg.rows import dict_row

from consumers.messages import POSITION, WATERMARK
from consumers.relay import Relay, new_producer
from consumers.replay import feed
from domain import ids
from domain.application import IdentityApplication
from domain.events import Actor, EventContext
from domain.memberships import OrganizationMembership
from domain.organizations import Organization, OrganizationDomain
from domain.users import User
from idgov.bootstrap import System
from idgov.database import Database
from idgov.settings import Settings
from projections.base import ProjectionView, watermark_sql

SOURCE = "urn:idgov:test"
DIRECTORY_TABLES = ("organizations", "users", "memberships")
CONTEXT = EventContext(
    actor=Actor(type="system", id="tests"), source="system", request_id="req_tests"
)


# ------------------------------------------------------------------ waiting --


def wait_until(
    predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.05
) -> Any:
    """Poll ``predicate`` until it returns something truthy, and return that; fail on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


# ------------------------------------------------------------------ systems --


def settings(
    database_url: str, bootstrap: str | None = None, topic: str | None = None, **extra: Any
) -> Settings:
    values: dict[str, Any] = {"database_url": database_url, "db_pool_size": 4, **extra}
    if bootstrap is not None:
        values.update(kafka_bootstrap=bootstrap, kafka_topic=topic, kafka_partitions=3)
    return Settings(**values)


@contextmanager
def open_system(
    database_url: str, bootstrap: str | None = None, topic: str | None = None
) -> Iterator[System]:
    system = System(settings(database_url, bootstrap, topic), Database.from_url(database_url))
    try:
        yield system
    finally:
        system.close()


def new_relay(system: System, producer: KafkaProducer, topic: str, **options: Any) -> Relay:
    """The real relay from ``system``'s notification log to ``topic``."""
    tracking = system.relay_tracking()
    return Relay(system.store, tracking, producer, topic=topic, source=SOURCE, **options)


def relay_everything(system: System, bootstrap: str, topic: str, batch_size: int = 500) -> Relay:
    """Publish the whole notification log to ``topic`` with the real relay; returns the relay."""
    producer = new_producer(bootstrap)
    # Every batch end reaches every partition at once.
    relay = new_relay(system, producer, topic, batch_size=batch_size, watermark_after=0)
    try:
        while relay.relay_once():
            pass
    finally:
        producer.close(timeout=10)
    return relay


def relay_position(database_url: str, topic: str) -> int:
    with psycopg.connect(database_url) as conn:
        try:
            row = conn.execute(
                "SELECT notification_id FROM relay.tracking WHERE application_name = %s", (topic,)
            ).fetchone()
        except psycopg.errors.UndefinedTable:
            return 0
    return int(row[0]) if row else 0


def view_watermark(database_url: str, schema: str, topic: str) -> int:
    with psycopg.connect(database_url) as conn:
        try:
            row = conn.execute(watermark_sql(schema), (f"{topic}:%",)).fetchone()
        except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName):
            return 0
    return int(row[0]) if row else 0


def stream_positions(database_url: str, schema: str) -> dict[str, int]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            sql.SQL(
                "SELECT application_name, notification_id FROM {0}.tracking"
                " WHERE application_name <> '__migration__'"
            ).format(sql.Identifier(schema))
        ).fetchall()
    return {name: int(position) for name, position in rows}


def stored_offsets(database_url: str, schema: str, topic: str) -> dict[int, int]:
    with psycopg.connect(database_url) as conn:
        try:
            rows = conn.execute(
                sql.SQL(
                    "SELECT partition, next_offset FROM {0}.kafka_offsets WHERE topic = %s"
                ).format(sql.Identifier(schema)),
                (topic,),
            ).fetchall()
        except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName):
            return {}
    return {int(p): int(o) for p, o in rows}


def dead_letters(database_url: str, schema: str) -> list[dict[str, Any]]:
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return conn.execute(
            sql.SQL("SELECT * FROM {0}.dead_letters ORDER BY id").format(sql.Identifier(schema))
        ).fetchall()


# ------------------------------------------------------------- read models --


def dump(
    database_url: str, schema: str, tables: Sequence[str], order_by: str = "id"
) -> dict[str, list[dict[str, Any]]]:
    """Every row of the tables in ``schema``, in a fixed order: equal dumps, equal models."""
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return {
            table: conn.execute(
                sql.SQL("SELECT * FROM {0}.{1} ORDER BY {2}").format(
                    sql.Identifier(schema), sql.Identifier(table), sql.SQL(order_by)
                )
            ).fetchall()
            for table in tables
        }


def dump_directory(database_url: str, schema: str = "directory") -> dict[str, list[dict[str, Any]]]:
    return dump(database_url, schema, DIRECTORY_TABLES)


def rebuild_directory(system: System, schema: str) -> ProjectionView:
    """A second directory model in ``schema``, fed straight from the event store."""
    with system.reads.transaction(commit=True) as cursor:
        cursor.execute(sql.SQL("DROP SCHEMA IF EXISTS {0} CASCADE").format(sql.Identifier(schema)))
    view = system.open_view("directory", schema)
    feed(system.store, view, 0)
    return view


def assert_same_model(
    database_url: str, live: str, expected: str
) -> dict[str, list[dict[str, Any]]]:
    got, want = dump_directory(database_url, live), dump_directory(database_url, expected)
    for table in DIRECTORY_TABLES:
        assert len(got[table]) == len(want[table]), (
            f"{table}: {len(got[table])} rows, rebuild has {len(want[table])}"
        )
        assert got[table] == want[table], f"{table} differs from the rebuild"
    return got


# ------------------------------------------------------------------ events --


def bulk_events(app: IdentityApplication, target: int, chunk: int = 100) -> int:
    """Record about ``target`` events quickly: many aggregates per save, spread over organizations.

    Each unit is an organization (created, renamed twice), a user (created, renamed) and a
    membership (created, roles changed): 7 events, 5 keyed by the organization, 2 by
    ``environment``. Returns the event store's position afterwards.
    """
    units = max(1, target // 7)
    pending: list[Any] = []
    for i in range(units):
        org_id = ids.new_id(ids.ORGANIZATION)
        context = CONTEXT.for_organization(org_id)
        org = Organization(
            id=org_id,
            name=f"Org {i}",
            external_id=None,
            metadata={"n": str(i)},
            domains=(
                OrganizationDomain(
                    id=ids.new_id("org_domain"), domain=f"o{i}.example.com", state="verified"
                ),
            ),
            stripe_customer_id=None,
            allow_profiles_outside_organization=False,
            context=context,
        )
        org.rename(f"Org {i} v2", context)
        org.rename(f"Org {i} v3", context)
        user = User(
            id=ids.new_id(ids.USER),
            email=f"user{i}.{org_id[-6:].lower()}@example.com",
            first_name="U",
            last_name=str(i),
            email_verified=False,
            external_id=None,
            metadata={},
            context=CONTEXT,
        )
        user.rename("User", str(i), CONTEXT)
        membership = OrganizationMembership(
            id=ids.new_id(ids.MEMBERSHIP),
            user_id=user.id,
            organization_id=org_id,
            role_slugs=("member",),
            status="active",
            context=context,
        )
        membership.change_roles(("admin", "member"), context)
        pending += [org, user, membership]
        if len(pending) >= chunk * 3:
            app.store.save(*pending)
            pending = []
    if pending:
        app.store.save(*pending)
    return app.store.recorder.max_notification_id() or 0


def public_positions(app: IdentityApplication, upto: int | None = None) -> dict[int, str]:
    """Position -> event type of every event the relay must publish (claims are internal)."""
    from domain.catalog import is_public
    from domain.events import event_type

    result: dict[int, str] = {}
    position = 0
    while True:
        notifications = app.store.recorder.select_notifications(
            start=position, limit=2000, stop=upto, inclusive_of_start=False
        )
        if not notifications:
            return result
        for n in notifications:
            e = app.store.mapper.to_domain_event(n)
            if is_public(e):
                result[n.id] = event_type(type(e))
        position = notifications[-1].id


# ------------------------------------------------------------------- Kafka --


def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [
            TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))
        ]
        return {tp.partition: offset for tp, offset in consumer.end_offsets(partitions).items()}
    finally:
        consumer.close()


def consume_all(bootstrap: str, topic: str, timeout: float = 120) -> list[Any]:
    """Every record of the topic, in partition then offset order (no consumer group)."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, max_poll_records=5000
    )
    try:
        partitions = [
            TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))
        ]
        assert partitions, f"topic {topic} has no partitions"
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        records: list[Any] = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            assert time.monotonic() < deadline, "could not read the topic to its end"
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
    finally:
        consumer.close()
    records.sort(key=lambda r: (r.partition, r.offset))
    return records


def headers_of(record: Any) -> dict[str, bytes]:
    return dict(record.headers)


def is_watermark(record: Any) -> bool:
    return WATERMARK in headers_of(record)


def position_of(record: Any) -> int:
    headers = headers_of(record)
    return int(headers[WATERMARK] if WATERMARK in headers else headers[POSITION])


def by_partition(records: list[Any]) -> dict[int, list[Any]]:
    result: dict[int, list[Any]] = defaultdict(list)
    for record in records:
        result[record.partition].append(record)
    return result


def drain(worker: Any, database_url: str, topic: str, timeout: float = 120) -> None:
    """Poll a ``ProjectionWorker`` until its stored offsets reach the end of every partition."""
    end = end_offsets(worker.consumer.config["bootstrap_servers"], topic)

    def done() -> bool:
        worker.poll_once(timeout_ms=200)
        return stored_offsets(database_url, worker.view.schema, topic) == end

    wait_until(done, timeout, f"the worker to reach end offsets {end}", interval=0)


def republish(bootstrap: str, topic: str, records: list[Any]) -> None:
    """Publish copies of records (key, headers, body, partition), as a relay after a crash would."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        futures = [
            producer.send(
                topic, key=r.key, value=r.value, headers=list(r.headers), partition=r.partition
            )
            for r in records
        ]
        producer.flush()
        for future in futures:
            future.get(timeout=30)
    finally:
        producer.close()


def body_of(record: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(record.value)
    return body
