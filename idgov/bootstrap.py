"""Wiring: builds the command side, the read models and the API's services from settings."""

from __future__ import annotations

import contextlib
import os
import secrets

from eventsourcing.postgres import PostgresApplicationRecorder, PostgresTrackingRecorder
from psycopg import sql

from api.services import KnownKeys, Services
from domain.application import IdentityApplication
from domain.store import EVENT_STORE_STREAM, EventStore
from idgov.database import Database, ReadModelDatastore, schema_lock, statement_reads
from idgov.settings import Settings
from projections.access import AccessModel
from projections.audit import AuditModel
from projections.base import ProjectionView, ReadModel, kafka_stream
from projections.directory import DirectoryModel
from projections.freshness import Freshness, Wakeups
from projections.index import ReadSideIndex

READ_MODELS: dict[str, type[ReadModel]] = {
    "directory": DirectoryModel,
    "access": AccessModel,
    "audit": AuditModel,
}


def server_key(settings: Settings) -> bytes:
    """``IDGOV_SECRET_KEY``, or the key kept in the data directory, made by the first process
    that needs it (the processes of one installation must agree on it)."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path = settings.data_dir / "secret_key"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        fresh = path.with_name(f"secret_key.{os.getpid()}")
        # Readable by its owner only from the first byte, and complete before it is visible.
        with os.fdopen(os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            out.write(secrets.token_urlsafe(48))
        with contextlib.suppress(FileExistsError):  # another process made it first
            os.link(fresh, path)
        fresh.unlink()
    return path.read_bytes().strip()


class System:
    """One process's view of idgov: the event store, the read models and how fresh they are."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database
        self.env = database.eventsourcing_env(settings.db_pool_size)
        with schema_lock(database):
            self.store = EventStore(env=self.env)
            self.views = {name: self._open_view(name) for name in READ_MODELS}
        self.reads = self.database.datastore("public", settings.db_pool_size, ReadModelDatastore)
        timeout = settings.consistency_timeout_ms / 1000
        self.wakeups = Wakeups(database.connect)
        self.freshness = {
            name: Freshness(
                self.reads.pool, name, self.streams_pattern, self.event_store_head(), self.wakeups
            )
            for name in READ_MODELS
        }
        index = ReadSideIndex(self.freshness, self.reads, timeout)
        self.commands = IdentityApplication(
            self.store,
            access=index,
            memberships=index,
            roles=index,
            server_key=server_key(settings),
        )

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
        return self.store.recorder.max_notification_id() or 0

    def event_store_head(self) -> sql.Composed:
        """``event_store_position`` as SQL, for statements that read it with something else."""
        recorder = self.store.recorder
        assert isinstance(recorder, PostgresApplicationRecorder)
        return sql.SQL("SELECT max(notification_id) FROM {0}.{1}").format(
            sql.Identifier(recorder.datastore.schema), sql.Identifier(recorder.events_table_name)
        )

    def open_view(self, name: str, schema: str | None = None) -> ProjectionView:
        with schema_lock(self.database):
            return self._open_view(name, schema)

    def _open_view(self, name: str, schema: str | None = None) -> ProjectionView:
        view = ProjectionView(self.database.datastore(schema or name), READ_MODELS[name]())
        view.create_table()
        return view

    def relay_tracking(self) -> PostgresTrackingRecorder:
        """The relay's position: eventsourcing tracking in schema ``relay``, one row per topic."""
        store = self.database.datastore("relay", 1)
        tracking = PostgresTrackingRecorder(store, tracking_table_name="tracking")
        with schema_lock(self.database):
            with store.transaction(commit=True) as cursor:
                cursor.execute("CREATE SCHEMA IF NOT EXISTS relay")
            tracking.create_table()
        return tracking

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
            max_body_bytes=self.settings.max_body_bytes,
        )

    def close(self) -> None:
        self.wakeups.close()
        for view in self.views.values():
            view.datastore.close()
        self.reads.close()
        self.store.close()
