"""The local service rig works: a fresh PostgreSQL database and a real Kafka topic."""

from __future__ import annotations

import secrets
import time
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict


def test_database_is_fresh_and_writable(postgres_url: str, database_url: str) -> None:
    name = str(conninfo_to_dict(database_url)["dbname"])
    assert name.startswith("idgov_t_")
    assert name != conninfo_to_dict(postgres_url).get("dbname")

    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == (name,)
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
        assert tables == (0,)

        conn.execute("CREATE TABLE rig_check (id serial PRIMARY KEY, note text NOT NULL)")
        conn.execute("INSERT INTO rig_check (note) VALUES (%s), (%s)", ("one", "two"))
        conn.commit()

    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT id, note FROM rig_check ORDER BY id").fetchall()
    assert rows == [(1, "one"), (2, "two")]


@pytest.mark.kafka
def test_kafka_round_trip_with_key_and_headers(kafka_bootstrap: str, kafka_topic: str) -> None:
    from kafka import KafkaConsumer, KafkaProducer

    key = b"org_" + secrets.token_hex(4).encode()
    value = b'{"type": "rig.check"}'
    headers = [("ce_type", b"rig.check"), ("ce_id", secrets.token_hex(8).encode())]

    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    try:
        sent = producer.send(kafka_topic, key=key, value=value, headers=headers).get(timeout=30)
    finally:
        producer.close()
    assert sent.topic == kafka_topic
    assert 0 <= sent.partition < 3

    consumer = KafkaConsumer(
        kafka_topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=f"idgov.test.rig.{secrets.token_hex(4)}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    try:
        received: list[Any] = []
        deadline = time.monotonic() + 60
        while not received and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                received.extend(records)
        consumer.commit()
    finally:
        consumer.close()

    assert len(received) == 1
    record = received[0]
    assert (record.partition, record.offset) == (sent.partition, sent.offset)
    assert record.key == key
    assert record.value == value
    assert list(record.headers) == headers
