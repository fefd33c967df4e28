"""Per-test services on top of the session's PostgreSQL server and Kafka broker.

``new_topic()``
    Creates a fresh 3-partition topic for one test and returns its name; deleted afterwards.
``new_database()``
    Creates a fresh empty database for one test and returns its URL; dropped afterwards.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from tests.conftest import TOPIC_PARTITIONS
from tests.helpers import create_topic, delete_topics, fresh_database


@pytest.fixture
def new_topic(kafka_bootstrap: str) -> Iterator[Callable[[], str]]:
    created: list[str] = []

    def create() -> str:
        name = f"idgov.test.{secrets.token_hex(6)}"
        create_topic(kafka_bootstrap, name, TOPIC_PARTITIONS)
        created.append(name)
        return name

    yield create
    if created:
        delete_topics(kafka_bootstrap, created)


@pytest.fixture
def new_database(postgres_url: str) -> Iterator[Callable[[], str]]:
    with ExitStack() as databases:
        yield lambda: databases.enter_context(fresh_database(postgres_url))
