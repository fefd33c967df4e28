"""What a read model is, and the view that applies events to it exactly once.

A ``ReadModel`` lives in its own PostgreSQL schema (named after it) and knows two things:
the tables it needs, and how one domain event changes them. ``ProjectionView`` drives it:
it applies a batch of events and records, in the same transaction, how far each input
stream has been applied (eventsourcing's tracking table, one row per stream) and, for
Kafka, the next offset of each partition. An event at or below a stream's recorded
position is a duplicate and is skipped. An event the model cannot apply goes to the
dead-letter table with its error, and the stream moves on: nothing is silently dropped.

Streams are named ``idgov`` (the event store's notification log, embedded mode) or
``<topic>:<partition>`` (Kafka). The read model is complete up to position P when every
stream that feeds it has reached P; ``watermark`` answers that.
"""

from __future__ import annotations

import json
import re
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg import Cursor, sql
from psycopg.rows import DictRow

from domain.serialization import event_to_dict

log = structlog.get_logger("idgov.projection")

Handler = Callable[[Cursor[DictRow], Any], None]
# Every batch a view commits sends a notification here, its schema as payload.
ADVANCED_CHANNEL = "idgov_read_model_advanced"


class ReadModel(ABC):
    """A denormalised view of the event history, kept in schema ``name``."""

    name: str

    @abstractmethod
    def tables(self) -> list[str]:
        """CREATE statements, unqualified (they run with the model's schema on the search path)."""

    @abstractmethod
    def handlers(self) -> dict[type[Any], Handler]:
        """Which event classes change this model, and how."""

    def apply(self, cursor: Cursor[DictRow], event: Any, position: int) -> None:
        """Apply ``event``, found at ``position`` of its stream (the event store's position)."""
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(cursor, event)

    @property
    def _handlers(self) -> dict[type[Any], Handler]:
        cached: dict[type[Any], Handler] | None = self.__dict__.get("_handler_cache")
        if cached is None:
            cached = self.__dict__["_handler_cache"] = self.handlers()
        return cached


@dataclass(frozen=True)
class Delivery:
    """One input to a projection from a stream: an event, or a marker that a position is reached."""

    stream: str
    position: int
    event: Any | None  # None: a watermark, "everything up to position has been delivered"
    kafka_offset: int | None = None  # the offset after this delivery, for Kafka streams
    raw: bytes | None = None  # the undecodable payload, when decoding failed
    error: str | None = None  # why decoding failed


@dataclass(frozen=True)
class BatchResult:
    applied: int
    skipped: int
    dead_lettered: int


class ProjectionView(PostgresTrackingRecorder):
    """A read model in its schema, with tracking, Kafka offsets and dead letters beside it."""

    def __init__(self, datastore: PostgresDatastore, model: ReadModel) -> None:
        super().__init__(datastore, tracking_table_name="tracking")
        self.model = model
        self.schema = datastore.schema
        self.sql_create_statements[:0] = [
            sql.SQL("CREATE SCHEMA IF NOT EXISTS {0}").format(sql.Identifier(self.schema))
        ]
        for statement in [
            "CREATE TABLE IF NOT EXISTS kafka_offsets ("
            " topic text NOT NULL, partition int NOT NULL, next_offset bigint NOT NULL,"
            " PRIMARY KEY (topic, partition))",
            "CREATE TABLE IF NOT EXISTS dead_letters ("
            " id bigserial PRIMARY KEY, stream text NOT NULL, position bigint NOT NULL,"
            " event_type text, payload jsonb, error text NOT NULL,"
            " recorded_at timestamptz NOT NULL DEFAULT now())",
            *model.tables(),
        ]:
            self.sql_create_statements.append(self._in_schema(statement))

    def _create_table(self, cursor: Cursor[DictRow]) -> None:
        """Creates what is missing. ``CREATE INDEX IF NOT EXISTS`` takes a lock on its table
        before it looks for the index: a process starting beside live workers, holding that
        lock while the next statement waits for a table a worker writes to, could deadlock
        with them. So indexes that exist are left out."""
        existing = {
            row["relname"]
            for row in cursor.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = %s AND c.relkind = 'i'",
                (self.schema,),
            )
        }
        statements = self.sql_create_statements
        self.sql_create_statements = [s for s in statements if _index_name(s) not in existing]
        try:
            super()._create_table(cursor)
        finally:
            self.sql_create_statements = statements

    def _in_schema(self, statement: str) -> sql.Composed:
        return sql.SQL("SET LOCAL search_path TO {0}; ").format(
            sql.Identifier(self.schema)
        ) + sql.SQL(statement)

    def apply_batch(self, deliveries: Sequence[Delivery]) -> BatchResult:
        """Apply deliveries in order, and record positions and offsets, in one transaction."""
        skipped = 0
        with self.datastore.transaction(commit=True) as cursor:
            # A read model is derived: should the server crash before this commit reaches the
            # disk, the positions stored with it go back too and the events are applied again.
            # So the commit need not wait for the WAL flush (the event store's commits do).
            # The notification goes out on commit and wakes reads waiting for this model
            # (freshness.py). All three in one round trip.
            cursor.execute(
                sql.SQL(
                    "SET LOCAL search_path TO {0}; SET LOCAL synchronous_commit TO off;"
                    " NOTIFY {1}, {2}"
                ).format(
                    sql.Identifier(self.schema),
                    sql.Identifier(ADVANCED_CHANNEL),
                    sql.Literal(self.schema),
                )
            )
            streams = sorted({d.stream for d in deliveries})
            positions = self._lock_positions(cursor, streams)
            offsets: dict[str, int] = {}
            due = []
            for delivery in deliveries:
                if delivery.kafka_offset is not None:
                    offsets[delivery.stream] = delivery.kafka_offset
                if delivery.position <= positions[delivery.stream]:
                    skipped += delivery.event is not None
                    continue
                positions[delivery.stream] = delivery.position
                if delivery.event is not None or delivery.error is not None:
                    due.append(delivery)
            applied, dead = self._apply_all(cursor, due)
            cursor.executemany(
                "UPDATE tracking SET notification_id = %s WHERE application_name = %s",
                [(position, stream) for stream, position in positions.items()],
            )
            cursor.executemany(
                "INSERT INTO kafka_offsets (topic, partition, next_offset) VALUES (%s, %s, %s)"
                " ON CONFLICT (topic, partition) DO UPDATE SET next_offset = excluded.next_offset",
                [(*split_stream(stream), offset) for stream, offset in offsets.items()],
            )
        return BatchResult(applied, skipped, dead)

    def _lock_positions(self, cursor: Cursor[DictRow], streams: list[str]) -> dict[str, int]:
        cursor.executemany(
            "INSERT INTO tracking (application_name, notification_id) VALUES (%s, 0) ON CONFLICT"
            " DO NOTHING",
            [(s,) for s in streams],
        )
        cursor.execute(
            "SELECT application_name, notification_id FROM tracking"
            " WHERE application_name = ANY(%s) ORDER BY application_name FOR UPDATE",
            (streams,),
        )
        return {row["application_name"]: row["notification_id"] for row in cursor.fetchall()}

    def _apply_all(self, cursor: Cursor[DictRow], due: Sequence[Delivery]) -> tuple[int, int]:
        """Applies the events in one savepoint; should one fail, again with a savepoint each,
        so that only the failing ones become dead letters. Returns (applied, dead)."""
        try:
            with cursor.connection.transaction():
                dead = 0
                for delivery in due:
                    if delivery.error is None:
                        self.model.apply(cursor, delivery.event, delivery.position)
                    else:
                        self._dead_letter(cursor, delivery, delivery.error)
                        dead += 1
            return len(due) - dead, dead
        except Exception:
            log.info("projection_batch_isolating", events=len(due))
        applied = sum(self._apply_one(cursor, delivery) for delivery in due)
        return applied, len(due) - applied

    def _apply_one(self, cursor: Cursor[DictRow], delivery: Delivery) -> bool:
        if delivery.error is None:
            try:
                with cursor.connection.transaction():  # a failing event undoes only itself
                    self.model.apply(cursor, delivery.event, delivery.position)
                return True
            except Exception:
                error = traceback.format_exc(limit=5)
        else:
            error = delivery.error
        self._dead_letter(cursor, delivery, error)
        return False

    def _dead_letter(self, cursor: Cursor[DictRow], delivery: Delivery, error: str) -> None:
        event_type, payload = _describe(delivery)
        cursor.execute(
            "INSERT INTO dead_letters (stream, position, event_type, payload, error) VALUES (%s,"
            " %s, %s, %s, %s)",
            (delivery.stream, delivery.position, event_type, payload, _without_nul(error)),
        )

    def register_streams(self, streams: Sequence[str]) -> None:
        """Make streams known before their first event, so the watermark waits for them."""
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(
                sql.SQL("SET LOCAL search_path TO {0}").format(sql.Identifier(self.schema))
            )
            cursor.executemany(
                "INSERT INTO tracking (application_name, notification_id) VALUES (%s, 0) ON"
                " CONFLICT DO NOTHING",
                [(s,) for s in streams],
            )

    def kafka_offsets(self, topic: str) -> dict[int, int]:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                sql.SQL(
                    "SELECT partition, next_offset FROM {0}.kafka_offsets WHERE topic = %s"
                ).format(sql.Identifier(self.schema)),
                (topic,),
            )
            return {row["partition"]: row["next_offset"] for row in cursor.fetchall()}


_CREATE_INDEX = re.compile(r"CREATE (?:UNIQUE )?INDEX IF NOT EXISTS (\w+)")


def _index_name(statement: sql.Composable) -> str | None:
    found = _CREATE_INDEX.search(statement.as_string())
    return found.group(1) if found else None


def kafka_stream(topic: str, partition: int) -> str:
    return f"{topic}:{partition}"


def split_stream(stream: str) -> tuple[str, int]:
    topic, _, partition = stream.rpartition(":")
    return topic, int(partition)


def watermark_sql(schema: str) -> sql.Composed:
    """Position up to which the model is complete, given a LIKE pattern for its streams."""
    return sql.SQL(
        "SELECT CASE WHEN count(*) = 0 THEN 0 ELSE min(notification_id) END AS position"
        " FROM {0}.tracking WHERE application_name LIKE %s"
    ).format(sql.Identifier(schema))


def _describe(delivery: Delivery) -> tuple[str | None, str | None]:
    if delivery.event is not None:
        try:
            return type(delivery.event).__qualname__, _jsonb(event_to_dict(delivery.event))
        except Exception:
            return type(delivery.event).__qualname__, None
    if delivery.raw is not None:
        try:
            return None, _jsonb(json.loads(delivery.raw))
        except ValueError:
            return None, _jsonb({"undecodable": delivery.raw.decode(errors="replace")})
    return None, None


def _without_nul(value: Any) -> Any:
    """PostgreSQL text and jsonb cannot hold U+0000: it becomes U+FFFD, so the dead letter
    itself can always be recorded (an event carrying one is exactly what may fail to apply)."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


def _jsonb(value: Any) -> str:
    return json.dumps(_without_nul(value))
