"""A backlog of events written straight into the event store, and the baselines it is judged by.

The relay and a projection worker are measured on a backlog so that they run flat out,
not at the pace commands arrive. Each baseline does the same amount of the same work with
the bare client library (kafka-python, psycopg), so the ratio shows what idgov's own code
costs on top of it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import psycopg
from kafka import KafkaProducer
from psycopg.types.json import Jsonb

from consumers.messages import Message, event_message
from domain import ids
from domain.events import Actor, EventContext
from domain.organizations import Organization, OrganizationDomain
from domain.store import EventStore
from idgov.database import Database
from tests.benchmarks.workload import RUN

SAVE_CHUNK = 500  # aggregates per event-store transaction while writing the backlog
SAMPLE = 500  # distinct messages the producer baseline cycles through
BENCH_CONTEXT = EventContext(
    actor=Actor(type="api_key", id="key_bench", name="bench"), source="api"
)


@dataclass(frozen=True)
class Timed:
    count: int
    seconds: float

    @property
    def per_s(self) -> float:
        return self.count / self.seconds if self.seconds else float("nan")


def _organization(number: int) -> Organization:
    organization_id = ids.new_id(ids.ORGANIZATION)
    context = EventContext(
        actor=BENCH_CONTEXT.actor,
        source="api",
        organization_id=organization_id,
        request_id=f"req_bench_{number}",
    )
    return Organization(
        id=organization_id,
        name=f"Backlog {number}",
        external_id=None,
        metadata={"tier": "enterprise", "region": "eu-west-1"},
        domains=(
            OrganizationDomain(ids.new_id("org_domain"), f"k{number}-{RUN}.example.com", "pending"),
        ),
        stripe_customer_id=None,
        allow_profiles_outside_organization=False,
        context=context,
    )


def application(database_url: str) -> EventStore:
    return EventStore(env=Database.from_url(database_url).eventsourcing_env(pool_size=2))


def write_backlog(app: EventStore, count: int) -> Timed:
    """``count`` organizations created, one event each, saved in chunks as bulk imports do."""
    started = time.perf_counter()
    for first in range(0, count, SAVE_CHUNK):
        app.save(*(_organization(n) for n in range(first, min(count, first + SAVE_CHUNK))))
    return Timed(count, time.perf_counter() - started)


def sample_messages(app: EventStore, end: int, source: str = "urn:idgov") -> list[Message]:
    """The Kafka messages the relay makes of the backlog's last events (same sizes, same keys)."""
    notifications = app.recorder.select_notifications(start=max(1, end - SAMPLE + 1), limit=SAMPLE)
    return [event_message(app.mapper.to_domain_event(n), n.id, source) for n in notifications]


def raw_producer(
    bootstrap: str, topic: str, messages: list[Message], count: int, flush_every: int | None
) -> Timed:
    """kafka-python alone, with the relay's producer settings, sending ``count`` messages.

    ``flush_every=None`` streams everything and waits once at the end (the library's best
    case); a number waits for acknowledgement after every that many, as the relay does per batch.
    """
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        client_id="idgov-bench",
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_in_flight_requests_per_connection=5,
    )
    try:
        producer.partitions_for(topic)  # fetch metadata before the clock starts
        started = time.perf_counter()
        futures = []
        for number in range(count):
            message = messages[number % len(messages)]
            futures.append(
                producer.send(topic, key=message.key, value=message.value, headers=message.headers)
            )
            if flush_every and (number + 1) % flush_every == 0:
                producer.flush(timeout=60)
        producer.flush(timeout=60)
        for future in futures:
            future.get(timeout=30)
        return Timed(count, time.perf_counter() - started)
    finally:
        producer.close(timeout=10)


BASELINE_SCHEMA = "bench_baseline"


def plain_inserts(database_url: str, count: int, per_transaction: int = 500) -> Timed:
    """psycopg alone: rows like the directory's, into a copy of its table, 500 per transaction."""
    rows = [
        (
            ids.new_id(ids.ORGANIZATION),
            f"Baseline {n}",
            None,
            Jsonb({"tier": "enterprise"}),
            Jsonb(
                [
                    {
                        "id": ids.new_id("org_domain"),
                        "domain": f"p{n}.example.com",
                        "state": "pending",
                    }
                ]
            ),
            None,
            False,
            "2025-01-01T00:00:00Z",
            "2025-01-01T00:00:00Z",
        )
        for n in range(count)
    ]
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {BASELINE_SCHEMA} CASCADE")
        conn.execute(f"CREATE SCHEMA {BASELINE_SCHEMA}")
        # Same columns, keys and indexes as the live read model's table.
        conn.execute(
            f"CREATE TABLE {BASELINE_SCHEMA}.organizations (LIKE directory.organizations"
            " INCLUDING ALL)"
        )
        try:
            started = time.perf_counter()
            for first in range(0, count, per_transaction):
                with conn.transaction(), conn.cursor() as cursor:
                    cursor.executemany(
                        f"INSERT INTO {BASELINE_SCHEMA}.organizations VALUES (%s, %s, %s, %s, %s,"
                        " %s, %s, %s, %s)",
                        rows[first : first + per_transaction],
                    )
            return Timed(count, time.perf_counter() - started)
        finally:
            conn.execute(f"DROP SCHEMA {BASELINE_SCHEMA} CASCADE")
