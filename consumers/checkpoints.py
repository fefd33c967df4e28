"""The checkpoint writer: signs the chain's head every ``every_events`` events, or every
``every_s`` seconds when it moved at all, stores the checkpoint and publishes it.

Checkpoints go to their own Kafka topic (one partition, kept forever) as a small JSON
message, so a verifier outside the database can hold them. Several writers may run: a
checkpoint is stored once per position, and only the writer that stored it publishes it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka import KafkaProducer

from projections.ledger import checkpoints
from projections.ledger.checkpoints import Checkpoint

log = structlog.get_logger("idgov.checkpoints")

Publish = Callable[[Checkpoint], None]
POLL_S = 1.0


@dataclass(frozen=True)
class CheckpointWriter:
    connect: Callable[[], psycopg.Connection[Any]]
    key: Ed25519PrivateKey
    every_events: int
    every_s: float
    publish: Publish | None = None

    def run(self, stop: threading.Event) -> None:
        with self.connect() as conn:
            last = checkpoints.latest(conn)
            signed = time.monotonic()
            while not stop.wait(min(POLL_S, self.every_s)):
                head = checkpoints.chain_head(conn)
                since = head.position - (last.position if last else 0)
                if since >= self.every_events or (
                    since > 0 and time.monotonic() - signed >= self.every_s
                ):
                    last, signed = self.write(conn), time.monotonic()

    def write(self, conn: psycopg.Connection[Any]) -> Checkpoint:
        """Sign the current head, store the checkpoint and publish it."""
        checkpoint = checkpoints.sign(self.key, checkpoints.chain_head(conn), datetime.now(UTC))
        if checkpoints.record(conn, checkpoint):
            log.info("checkpoint_signed", position=checkpoint.position, head=checkpoint.head)
            if self.publish is not None:
                self.publish(checkpoint)
        return checkpoint


def kafka_publisher(producer: KafkaProducer, topic: str) -> Publish:
    """Publishes each checkpoint and waits until the broker has it."""

    def publish(checkpoint: Checkpoint) -> None:
        producer.send(
            topic,
            key=b"checkpoint",
            value=checkpoint.model_dump_json().encode(),
        ).get(timeout=30)

    return publish
