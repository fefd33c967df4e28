"""Every setting idgov reads, from the environment with the prefix IDGOV_."""

from collections.abc import MutableMapping
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    # Errors name a setting, never its value: some values are secrets.
    model_config = SettingsConfigDict(
        env_prefix="IDGOV_", extra="ignore", hide_input_in_errors=True
    )

    # PostgreSQL. Unset means: start the embedded server with its data under data_dir.
    database_url: str | None = None
    data_dir: Path = Path(".idgov")
    db_pool_size: int = Field(default=10, ge=1)

    # HTTP.
    host: str = "127.0.0.1"
    port: int = 8080
    # Processes serving the API, each with its own pools (db_pool_size connections each).
    api_workers: int = Field(default=1, ge=1)
    # Larger request bodies answer 413 before they are read any further.
    max_body_bytes: int = Field(default=1 << 20, ge=1024)
    bootstrap_api_key: str | None = Field(default=None, pattern=r"^sk_[A-Za-z0-9_]{16,}$")
    # The key of the keyed digests idgov keeps of API key secrets. Unset: a random key kept in
    # data_dir/secret_key, made on first start. Processes on several hosts must share one.
    secret_key: SecretStr | None = Field(default=None, min_length=32)

    # Kafka. Unset means: projections follow the event store in-process.
    kafka_bootstrap: str | None = None
    kafka_topic: str = "idgov.events.v1"
    kafka_partitions: int = Field(default=6, ge=1)
    kafka_replication_factor: int = Field(default=1, ge=1)
    kafka_group_prefix: str = "idgov.projection."
    # How long the broker waits for a silent projection worker before it hands the worker's
    # partitions to others, and so how long a worker restarted after a crash waits to join its
    # group. kafka-python's own default is 45 s; the broker accepts 6 s and more by default.
    kafka_session_timeout_ms: int = Field(default=10000, ge=1000)
    event_source: str = "urn:idgov"

    # Pipeline tuning.
    relay_batch_size: int = Field(default=500, ge=1)
    projection_batch_size: int = Field(default=500, ge=1)

    # Consistent reads wait at most this long for the read model, then answer 503.
    consistency_timeout_ms: int = Field(default=5000, ge=0)
    # How long an API process trusts a key it has checked: a revoked key stops working in
    # every process within this time. 0 checks every request against the event store.
    api_key_cache_ms: int = Field(default=2000, ge=0)
    # How long a command's answer is kept for retries with its Idempotency-Key.
    idempotency_ttl_hours: float = Field(default=24, gt=0)

    # Tamper evidence (README, Tamper evidence): the Ed25519 key that signs checkpoints of the
    # event store's hash chain, as base64 of its 32 raw bytes. Unset: a key kept in
    # data_dir/checkpoint_key, made on first start. A checkpoint is signed every
    # checkpoint_every_events events, or every checkpoint_every_s seconds when the chain moved.
    checkpoint_signing_key: SecretStr | None = None
    checkpoint_every_events: int = Field(default=1000, ge=1)
    checkpoint_every_s: float = Field(default=60.0, gt=0)
    checkpoint_topic: str = "idgov.checkpoints.v1"

    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: str = "info"

    def export(self, environment: MutableMapping[str, str]) -> None:
        """Writes these settings into ``environment`` as IDGOV_ variables (removing those left
        unset), for a child process to read."""
        for name, value in self.model_dump().items():
            variable = f"IDGOV_{name.upper()}"
            if value is None:
                environment.pop(variable, None)
            else:
                environment[variable] = _plain(value)


def _plain(value: object) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else str(value)
