"""Where PostgreSQL is (its URL) and the connections idgov opens to it; the embedded server
itself is started by idgov/embedded.py."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import get_topic
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

from api import idempotency


@dataclass(frozen=True)
class Database:
    host: str
    port: int
    dbname: str
    user: str
    password: str

    @classmethod
    def from_url(cls, url: str) -> Database:
        params: dict[str, Any] = conninfo_to_dict(url)
        return cls(
            host=str(params.get("host") or "localhost"),
            port=int(params.get("port") or 5432),
            dbname=str(params.get("dbname") or "postgres"),
            user=str(params.get("user") or os.environ.get("USER", "postgres")),
            password=str(params.get("password") or ""),
        )

    @property
    def conninfo(self) -> str:
        """For connections idgov opens itself, outside eventsourcing's pools."""
        return make_conninfo(
            host=self.host,
            port=self.port,
            dbname=self.dbname,
            user=self.user,
            password=self.password,
        )

    def connect(self) -> psycopg.Connection[Any]:
        """A connection of its own, outside the pools, in autocommit mode."""
        return psycopg.connect(self.conninfo, autocommit=True)

    def eventsourcing_env(self, pool_size: int) -> dict[str, str]:
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            # Start with one connection and grow on demand: every idgov process has
            # several pools, and a fleet of processes shares the server's max_connections.
            "POSTGRES_POOL_SIZE": "1",
            "POSTGRES_MAX_OVERFLOW": str(max(0, pool_size - 1)),
            "ORIGINATOR_ID_TYPE": "text",
            "CREATE_TABLE": "true",
            "APPLICATION_RECORDER_TOPIC": get_topic(EventStoreRecorder),
        }

    def datastore(
        self,
        schema: str,
        pool_size: int = 2,
        kind: type[PostgresDatastore] = PostgresDatastore,
    ) -> PostgresDatastore:
        """A pool that opens one connection and grows to ``pool_size`` when busy."""
        store = kind(
            dbname=self.dbname,
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            schema=schema,
            pool_size=1,
            max_overflow=max(0, pool_size - 1),
            originator_id_type="text",
        )
        store.pool.open()
        return store


class EventStoreRecorder(PostgresApplicationRecorder):
    """eventsourcing's recorder, which also records the idempotency key a commit carries
    (``domain.store.RECORDED_WITH``) in the transaction of its events."""

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        schema = sql.Identifier(datastore.schema)
        for statement in (idempotency.TABLE, idempotency.TABLE_INDEX):
            self.sql_create_statements.append(sql.SQL(statement).format(schema=schema))
        self.record_key = sql.SQL(idempotency.RECORD).format(schema=schema)

    def _fetch_ids_after_insert_events(
        self,
        curs: psycopg.Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        *,
        idempotency: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if idempotency is not None and ids:
            curs.execute(self.record_key, {**idempotency, "position": max(ids)})
        return ids


# Arbitrary, idgov's own key for the lock below.
SCHEMA_LOCK_KEY = 0x1D60_5C7E


@contextmanager
def schema_lock(database: Database) -> Iterator[None]:
    """One process at a time creates or updates tables: processes starting together would
    otherwise collide in PostgreSQL's catalog ("tuple concurrently updated")."""
    with database.connect() as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK_KEY,))
        yield  # released with the session


# The API's read connections use generic plans: read-model queries look rows up by id, so
# their best plan does not depend on the values, and PostgreSQL would otherwise keep
# re-planning some of them (a batch check's plan costs more to make than to run).
READ_SESSION_SETUP = "SET plan_cache_mode = force_generic_plan"


class ReadModelDatastore(PostgresDatastore):
    """Connections for the API's reads (see READ_SESSION_SETUP)."""

    def after_connect_func(self) -> Callable[[psycopg.Connection[Any]], None]:
        configure = super().after_connect_func()

        def after_connect(conn: psycopg.Connection[Any]) -> None:
            configure(conn)
            conn.execute(READ_SESSION_SETUP)

        return after_connect


def idempotency_keys(database: Database, pool_size: int) -> AsyncConnectionPool[Any]:
    """Connections for idempotency keys, one per keyed command in flight. Opened and closed by
    the API's lifespan, inside its loop."""
    return AsyncConnectionPool(
        database.conninfo,
        min_size=1,
        max_size=pool_size,
        kwargs={"autocommit": True, "row_factory": dict_row},
        name="idempotency-keys",
        open=False,
    )


def statement_reads(database: Database, pool_size: int) -> AsyncConnectionPool[Any]:
    """Connections for the reads the API serves on its event loop (access checks), set up as
    ReadModelDatastore's are. Opened and closed by the API's lifespan, inside its loop."""

    async def configure(conn: psycopg.AsyncConnection[Any]) -> None:
        await conn.execute(READ_SESSION_SETUP)

    return AsyncConnectionPool(
        database.conninfo,
        min_size=1,
        max_size=pool_size,
        kwargs={"autocommit": True, "row_factory": dict_row},
        configure=configure,
        name="statement-reads",
        open=False,
    )
