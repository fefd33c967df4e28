"""The relay: publishes every event of the notification log to Kafka, in order, at least once.

It reads the log after its last recorded position, publishes a batch with an idempotent
``acks=all`` producer, waits for the broker to acknowledge all of it, and only then records
the batch's last position (eventsourcing tracking, in schema ``relay``). After a crash it
resumes from that position; what it publishes twice, consumers recognise by position.

A partition that an event did not reach is behind the log. It gets a watermark (see
``consumers.messages``) only once it has carried no message for ``watermark_after`` seconds:
under a steady load the next event reaches it first, so consumers see events, not
watermarks; an idle partition still learns, within that delay, how far the log went, which
is what freshness waits and consistency tokens need of every partition.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence

import structlog
from eventsourcing.persistence import Notification, Tracking
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresTrackingRecorder
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError
from kafka.partitioner.default import murmur2
from kafka.producer.future import FutureRecordMetadata
from psycopg import sql

from consumers.messages import Message, event_message, watermark_message
from consumers.notification_log import NotificationLog
from domain.catalog import is_public

log = structlog.get_logger("idgov.relay")


def ensure_topic(bootstrap: str, topic: str, partitions: int, replication_factor: int) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="idgov-admin")
    try:
        # The topic is the replayable log of every event: keep it forever.
        configs = {"retention.ms": "-1", "cleanup.policy": "delete"}
        admin.create_topics(
            [NewTopic(topic, partitions, replication_factor, topic_configs=configs)]
        )
        log.info("topic_created", topic=topic, partitions=partitions)
    except TopicAlreadyExistsError:
        pass
    finally:
        admin.close()


def new_producer(bootstrap: str) -> KafkaProducer:
    return KafkaProducer(
        bootstrap_servers=bootstrap,
        client_id="idgov-relay",
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        compression_type=None,
        max_in_flight_requests_per_connection=5,
    )


def partition_for(key: bytes | None, partitions: list[int]) -> int:
    """Kafka's default keyed partitioning (murmur2), chosen here so watermarks can follow."""
    assert key is not None
    index: int = (murmur2(key) & 0x7FFFFFFF) % len(partitions)
    return partitions[index]


class Relay:
    def __init__(
        self,
        event_store: NotificationLog,
        tracking: PostgresTrackingRecorder,
        producer: KafkaProducer,
        *,
        topic: str,
        source: str,
        batch_size: int = 500,
        watermark_after: float = 0.05,
    ) -> None:
        self.event_store = event_store
        self.tracking = tracking
        self.producer = producer
        self.topic = topic
        self.source = source
        self.batch_size = batch_size
        self.watermark_after = watermark_after
        self.position = tracking.max_tracking_id(topic) or 0
        # Per partition: the position its last message carried, and when it was sent.
        self.reached: dict[int, int] = {}
        self.sent_at: dict[int, float] = {}

    def run(self, stop: threading.Event) -> None:
        log.info("relay_started", topic=self.topic, position=self.position)
        recorder = self.event_store.recorder
        assert isinstance(recorder, PostgresApplicationRecorder)
        with recorder.datastore.get_connection() as listener:
            listener.execute(sql.SQL("LISTEN {0}").format(sql.Identifier(recorder.channel_name)))
            while not stop.is_set():
                if self.relay_once() < self.batch_size:
                    timeout = min(0.5, self._until_watermark_due())
                    for _ in listener.notifies(timeout=timeout, stop_after=1):
                        pass
            # Leave no partition behind the log: a stopped relay sends nothing when idle.
            self._acknowledged(self._watermarks(self._partitions(), self.position, idle=0))
        log.info("relay_stopped", position=self.position)

    def relay_once(self) -> int:
        """Publish the next batch, and the watermarks due; returns how many notifications
        it covered."""
        notifications = self.event_store.recorder.select_notifications(
            start=self.position, limit=self.batch_size, inclusive_of_start=False
        )
        if not notifications:
            self._acknowledged(self._watermarks(self._partitions(), self.position))
            return 0
        started = time.perf_counter()
        published = self._publish(notifications)
        last = notifications[-1].id
        self.tracking.insert_tracking(Tracking(self.topic, last))
        self.position = last
        log.info(
            "relay_batch",
            position=last,
            notifications=len(notifications),
            published=published,
            seconds=round(time.perf_counter() - started, 4),
        )
        return len(notifications)

    def _partitions(self) -> list[int]:
        partitions = sorted(self.producer.partitions_for(self.topic) or [])
        if not partitions:
            raise RuntimeError(f"topic {self.topic!r} has no partitions")
        return partitions

    def _publish(self, notifications: Sequence[Notification]) -> int:
        partitions = self._partitions()
        futures: list[FutureRecordMetadata] = []
        for notification in notifications:
            event = self.event_store.mapper.to_domain_event(notification)
            if not is_public(event):
                continue
            message = event_message(event, notification.id, self.source)
            futures.append(self._send(message, partition_for(message.key, partitions)))
        futures += self._watermarks(partitions, notifications[-1].id)
        self._acknowledged(futures)
        return len(futures)

    def _watermarks(
        self, partitions: list[int], position: int, idle: float | None = None
    ) -> list[FutureRecordMetadata]:
        """Tell each partition behind ``position`` and idle long enough how far the log went."""
        idle = self.watermark_after if idle is None else idle
        now = time.monotonic()
        return [
            self._send(watermark_message(position), partition)
            for partition in partitions
            if self.reached.get(partition, 0) < position
            and now - self.sent_at.get(partition, -math.inf) >= idle
        ]

    def _until_watermark_due(self) -> float:
        """Seconds until the next partition behind the log is due a watermark."""
        behind = [
            self.sent_at.get(partition, -math.inf)
            for partition in self._partitions()
            if self.reached.get(partition, 0) < self.position
        ]
        if not behind:
            return math.inf
        return max(0.0, min(behind) + self.watermark_after - time.monotonic())

    def _acknowledged(self, futures: list[FutureRecordMetadata]) -> None:
        self.producer.flush()
        for future in futures:
            future.get(timeout=30)  # raises if the broker did not acknowledge

    def _send(self, message: Message, partition: int) -> FutureRecordMetadata:
        self.reached[partition] = message.position
        self.sent_at[partition] = time.monotonic()
        return self.producer.send(
            self.topic,
            key=message.key,
            value=message.value,
            headers=message.headers,
            partition=partition,
        )
