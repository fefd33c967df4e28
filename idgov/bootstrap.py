"""Wiring: builds the command side, the read models and the API's services from settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresTrackingRecorder,
)
from psycopg import sql
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from api.services import KnownKeys, Services
from domain.application import IdentityApplication
from domain.store import EVENT_STORE_STREAM
from idgov.database import Database
from idgov.settings import Settings
from projections.access import AccessModel, group_queries
from projections.access import queries as access_queries
from projections.base import ProjectionView, ReadModel, kafka_stream
from projections.directory import DirectoryModel
from projections.directory import queries as directory_queries
from projections.freshness import Freshness, Wakeups

READ_MODELS: dict[str, type[ReadModel]] = {"directory": DirectoryModel, "access": AccessModel}


class ReadSideIndex:
    """What cascades ask of the read side, answered once each model has seen every commit."""

    def __init__(
        self, freshness: dict[str, Freshness], datastore: PostgresDatastore, timeout: float
    ) -> None:
        self.freshness = freshness
        self.datastore = datastore
        self.timeout = timeout

    def _fresh(self, model: str) -> Freshness:
        freshness = self.freshness[model]
        freshness.wait_for_everything_committed(self.timeout)
        return freshness

    def membership_ids(
        self, *, organization_id: str | None = None, user_id: str | None = None
    ) -> list[str]:
        self._fresh("directory")
        with self.datastore.pool.connection() as conn:
            return directory_queries.membership_ids(
                conn, organization_id=organization_id, user_id=user_id
            )

    def descendant_ids(self, resource_id: str) -> list[str]:
        self._fresh("access")
        with self.datastore.pool.connection() as conn:
            return access_queries.descendant_ids(conn, resource_id)

    def resource_ids_of_organization(self, organization_id: str) -> list[str]:
        self._fresh("access")
        with self.datastore.pool.connection() as conn:
            return access_queries.resource_ids_of_organization(conn, organization_id)

    def assignment_ids(
        self, *, resource_ids: list[str] | None = None, membership_id: str | None = None
    ) -> list[str]:
        self._fresh("access")
        with self.datastore.pool.connection() as conn:
            return access_queries.assignment_ids(
                conn, resource_ids=resource_ids, membership_id=membership_id
            )

    def _access(self, query: Callable[..., list[str]], *args: Any, **kwargs: Any) -> list[str]:
        self._fresh("access")
        with self.datastore.pool.connection() as conn:
            return query(conn, *args, **kwargs)

    def organizations_with_custom_roles(
        self,
        *,
        slug: str | None = None,
        permission_slugs: list[str] | None = None,
        resource_type_slugs: list[str] | None = None,
    ) -> list[str]:
        return self._access(
            access_queries.organizations_with_custom_roles,
            slug=slug,
            permission_slugs=permission_slugs,
            resource_type_slugs=resource_type_slugs,
        )

    def organizations_defaulting_to(self, role_slug: str) -> list[str]:
        return self._access(access_queries.organizations_defaulting_to, role_slug)

    def role_holder_ids(self, role_slug: str, organization_id: str | None = None) -> list[str]:
        return self._access(access_queries.role_holder_ids, role_slug, organization_id)

    def role_assignment_ids(self, role_slug: str, organization_id: str | None = None) -> list[str]:
        return self._access(access_queries.role_assignment_ids, role_slug, organization_id)

    def group_role_mapping_ids(
        self, role_slug: str, organization_id: str | None = None
    ) -> list[str]:
        return self._access(access_queries.group_role_mapping_ids, role_slug, organization_id)

    def multi_role_membership_ids(self) -> list[str]:
        return self._access(access_queries.multi_role_membership_ids)

    def group_ids_of_organization(self, organization_id: str) -> list[str]:
        return self._access(group_queries.group_ids_of_organization, organization_id)

    def group_member_ids(
        self, *, group_id: str | None = None, membership_id: str | None = None
    ) -> list[str]:
        return self._access(
            group_queries.group_member_ids, group_id=group_id, membership_id=membership_id
        )

    def group_role_assignment_ids(
        self, *, group_id: str | None = None, resource_ids: list[str] | None = None
    ) -> list[str]:
        return self._access(
            group_queries.group_role_assignment_ids, group_id=group_id, resource_ids=resource_ids
        )


# Arbitrary, idgov's own key for the lock below.
SCHEMA_LOCK_KEY = 0x1D60_5C7E


@contextmanager
def schema_lock(database: Database) -> Iterator[None]:
    """One process at a time creates or updates tables: processes starting together would
    otherwise collide in PostgreSQL's catalog ("tuple concurrently updated")."""
    with psycopg.connect(database.conninfo, autocommit=True) as conn:
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


class System:
    """One process's view of idgov: the event store, the read models and how fresh they are."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database
        self.env = database.eventsourcing_env(settings.db_pool_size)
        with schema_lock(database):
            self.commands = IdentityApplication(env=self.env)
            self.views = {name: self._open_view(name) for name in READ_MODELS}
        self.reads = self.datastore("public", settings.db_pool_size, ReadModelDatastore)
        timeout = settings.consistency_timeout_ms / 1000
        self.wakeups = Wakeups(self._listening_connection)
        self.freshness = {
            name: Freshness(
                self.reads.pool, name, self.streams_pattern, self.event_store_head(), self.wakeups
            )
            for name in READ_MODELS
        }
        index = ReadSideIndex(self.freshness, self.reads, timeout)
        self.commands.membership_index = index
        self.commands.access_index = index
        self.commands.role_index = index

    @property
    def kafka(self) -> bool:
        return self.settings.kafka_bootstrap is not None

    @property
    def streams_pattern(self) -> str:
        return f"{self.settings.kafka_topic}:%" if self.kafka else EVENT_STORE_STREAM

    def kafka_streams(self) -> list[str]:
        return [
            kafka_stream(self.settings.kafka_topic, p)
            for p in range(self.settings.kafka_partitions)
        ]

    def event_store_position(self) -> int:
        return self.commands.recorder.max_notification_id() or 0

    def event_store_head(self) -> sql.Composed:
        """``event_store_position`` as SQL, for statements that read it with something else."""
        recorder = self.commands.recorder
        assert isinstance(recorder, PostgresApplicationRecorder)
        return sql.SQL("SELECT max(notification_id) FROM {0}.{1}").format(
            sql.Identifier(recorder.datastore.schema), sql.Identifier(recorder.events_table_name)
        )

    def datastore(
        self,
        schema: str,
        pool_size: int = 2,
        kind: type[PostgresDatastore] = PostgresDatastore,
    ) -> PostgresDatastore:
        """A pool that opens one connection and grows to ``pool_size`` when busy."""
        store = kind(
            dbname=self.database.dbname,
            host=self.database.host,
            port=self.database.port,
            user=self.database.user,
            password=self.database.password,
            schema=schema,
            pool_size=1,
            max_overflow=max(0, pool_size - 1),
            originator_id_type="text",
        )
        store.pool.open()
        return store

    def open_view(self, name: str, schema: str | None = None) -> ProjectionView:
        with schema_lock(self.database):
            return self._open_view(name, schema)

    def _open_view(self, name: str, schema: str | None = None) -> ProjectionView:
        view = ProjectionView(self.datastore(schema or name), READ_MODELS[name]())
        view.create_table()
        return view

    def relay_tracking(self) -> PostgresTrackingRecorder:
        """The relay's position: eventsourcing tracking in schema ``relay``, one row per topic."""
        store = self.datastore("relay", 1)
        tracking = PostgresTrackingRecorder(store, tracking_table_name="tracking")
        with schema_lock(self.database):
            with store.transaction(commit=True) as cursor:
                cursor.execute("CREATE SCHEMA IF NOT EXISTS relay")
            tracking.create_table()
        return tracking

    def _listening_connection(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.database.conninfo, autocommit=True)

    def services(self) -> Services:
        self.wakeups.start()  # reads wait for the models here (commands' cascades too)
        return Services(
            commands=self.commands,
            keys=KnownKeys(self.commands, self.settings.api_key_cache_ms / 1000),
            reads=self.reads.pool,
            statement_reads=statement_reads(self.database, self.settings.db_pool_size),
            freshness=self.freshness,
            consistency_timeout=self.settings.consistency_timeout_ms / 1000,
            mode="kafka" if self.kafka else "embedded",
        )

    def close(self) -> None:
        self.wakeups.close()
        for view in self.views.values():
            view.datastore.close()
        self.reads.close()
        self.commands.close()
