"""Per-test services on top of the session's PostgreSQL server and Kafka broker.

``new_topic()``
    Creates a fresh 3-partition topic for one test and returns its name; deleted afterwards.
``new_database()``
    Creates a fresh empty database for one test and returns its URL; dropped afterwards.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import pytest

from tests.conftest import TOPIC_PARTITIONS, _wait_for_topic
from tests.helpers import with_dbname


@pytest.fixture
def new_topic(kafka_bootstrap: str) -> Iterator[Callable[[], str]]:
    from kafka.admin import KafkaAdminClient, NewTopic

    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, client_id="idgov-tests")
    created: list[str] = []

    def create() -> str:
        name = f"idgov.test.{secrets.token_hex(6)}"
        admin.create_topics(
            [NewTopic(name=name, num_partitions=TOPIC_PARTITIONS, replication_factor=1)]
        )
        _wait_for_topic(admin, name, TOPIC_PARTITIONS)
        created.append(name)
        return name

    try:
        yield create
        if created:
            admin.delete_topics(created)
    finally:
        admin.close()


@pytest.fixture
def new_database(postgres_url: str) -> Iterator[Callable[[], str]]:
    import psycopg
    from psycopg import sql

    created: list[str] = []

    def create() -> str:
        name = f"idgov_t_{secrets.token_hex(6)}"
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created.append(name)
        return with_dbname(postgres_url, name)

    try:
        yield create
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            for name in created:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
