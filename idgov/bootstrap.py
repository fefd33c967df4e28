"""Wiring: builds the command side, the read models and the API's services from settings."""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
from collections.abc import Callable
from datetime import timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresTrackingRecorder
from psycopg import sql

from api.services import IdempotencyKeys, KnownKeys, Services
from consumers.checkpoints import CheckpointWriter, Publish
from domain.application import IdentityApplication
from domain.store import EVENT_STORE_STREAM, EventStore
from idgov.database import (
    Database,
    ReadModelDatastore,
    idempotency_keys,
    schema_lock,
    statement_reads,
)
from idgov.settings import Settings
from projections.access import AccessModel
from projections.audit import AuditModel
from projections.base import ProjectionView, ReadModel, kafka_stream
from projections.directory import DirectoryModel
from projections.freshness import Freshness, Wakeups
from projections.index import ReadSideIndex
from projections.ledger import schema as ledger

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
    return _kept_secret(settings, "secret_key", lambda: secrets.token_urlsafe(48).encode())


def checkpoint_signing_key(settings: Settings) -> Ed25519PrivateKey:
    """``IDGOV_CHECKPOINT_SIGNING_KEY``, or the key kept in the data directory (PEM)."""
    if settings.checkpoint_signing_key is None:
        pem = _kept_secret(settings, "checkpoint_key", _new_signing_key)
        key = serialization.load_pem_private_key(pem, password=None)
        assert isinstance(key, Ed25519PrivateKey)
        return key
    try:
        raw = base64.b64decode(settings.checkpoint_signing_key.get_secret_value(), validate=True)
        return Ed25519PrivateKey.from_private_bytes(raw)
    except ValueError:
        raise ValueError(
            "IDGOV_CHECKPOINT_SIGNING_KEY must be the base64 of a 32-byte Ed25519 private key"
        ) from None


def _new_signing_key() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _kept_secret(settings: Settings, name: str, make: Callable[[], bytes]) -> bytes:
    """The secret in data_dir/``name``, made by the first process that needs it."""
    path = settings.data_dir / name
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        fresh = path.with_name(f"{name}.{os.getpid()}")
        # Readable by its owner only from the first byte, and complete before it is visible.
        with os.fdopen(os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            out.write(make())
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
            with database.connect() as conn:
                ledger.install(conn, self.events_table)
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
        return sql.SQL("SELECT max(notification_id) FROM {0}").format(self.events_table)

    @property
    def events_table(self) -> sql.Identifier:
        """The stored events' table, schema-qualified."""
        recorder = self.store.recorder
        assert isinstance(recorder, PostgresApplicationRecorder)
        return sql.Identifier(recorder.datastore.schema, recorder.events_table_name)

    def checkpoint_writer(self, publish: Publish | None = None) -> CheckpointWriter:
        return CheckpointWriter(
            self.database.connect,
            checkpoint_signing_key(self.settings),
            self.settings.checkpoint_every_events,
            self.settings.checkpoint_every_s,
            publish,
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
            idempotency_keys=IdempotencyKeys(
                idempotency_keys(self.database, self.settings.db_pool_size),
                timedelta(hours=self.settings.idempotency_ttl_hours),
            ),
            max_body_bytes=self.settings.max_body_bytes,
        )

    def close(self) -> None:
        self.wakeups.close()
        for view in self.views.values():
            view.datastore.close()
        self.reads.close()
        self.store.close()
