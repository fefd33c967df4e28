"""Positions read straight from PostgreSQL, to see the pipeline from outside its processes.

Polling these is cheaper and more precise than asking the API: one indexed query each.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from domain.store import EVENT_STORE_STREAM, EventStore
from idgov.bootstrap import READ_MODELS
from projections.base import watermark_sql
from tests.benchmarks.timing import Progress

EVENTS_TABLE = f"{EventStore.name}_events"  # eventsourcing's table of stored events


class Positions:
    """Event-store, relay and read-model positions on one autocommit connection."""

    def __init__(self, conn: psycopg.Connection[tuple[int | None]], topic: str | None) -> None:
        self.conn = conn
        self.topic = topic
        # Which tracking rows feed the read model: the topic's partitions, or the event store.
        self.streams = f"{topic}:%" if topic else EVENT_STORE_STREAM

    def _scalar(self, query: object, params: tuple[object, ...] = ()) -> int:
        row = self.conn.execute(query, params).fetchone()  # type: ignore[call-overload]
        return int(row[0] or 0) if row else 0

    def event_store(self) -> int:
        return self._scalar(f"SELECT max(notification_id) FROM {EVENTS_TABLE}")

    def relay(self) -> int:
        """The relay's recorded position: every event up to it is acknowledged by Kafka."""
        return self._scalar(
            "SELECT max(notification_id) FROM relay.tracking WHERE application_name = %s",
            (self.topic,),
        )

    def watermark(self, projection: str = "directory") -> int:
        """Position up to which the read model has applied every event (the API's own query)."""
        return self._scalar(watermark_sql(projection), (self.streams,))

    def applied(self, projection: str = "directory") -> int:
        """How far the most advanced stream feeding the read model has been applied."""
        query = sql.SQL(
            "SELECT max(notification_id) FROM {0}.tracking WHERE application_name LIKE %s"
        )
        return self._scalar(query.format(sql.Identifier(projection)), (self.streams,))

    def read_models(self) -> dict[str, Progress]:
        """Progress of each read model, the directory (which the API's reads use) first."""
        models = sorted(READ_MODELS, key=lambda name: name != "directory")
        return {
            model: Progress(
                functools.partial(self.watermark, model), functools.partial(self.applied, model)
            )
            for model in models
        }


@contextmanager
def positions(database_url: str, topic: str | None = None) -> Iterator[Positions]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        yield Positions(conn, topic)  # type: ignore[arg-type]
