"""A projection worker: consumes the event topic in a consumer group and applies it to a read model.

Each polled batch is applied, and the partitions' next offsets recorded, in one PostgreSQL
transaction (``ProjectionView.apply_batch``). On assignment the worker seeks each partition
to the offset stored beside the read model, not to Kafka's committed offset, so a crash
between the database commit and anything else never applies a message twice or skips one.
Offsets are also committed to Kafka afterwards, only so that standard tools can show lag.
"""

from __future__ import annotations

import threading
import time

import structlog
from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.structs import OffsetAndMetadata

from consumers.messages import decode
from projections.base import ProjectionView, kafka_stream

log = structlog.get_logger("idgov.worker")


class _SeekToStoredOffsets(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, worker: ProjectionWorker) -> None:
        self.worker = worker

    def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        log.info("partitions_revoked", partitions=sorted(tp.partition for tp in revoked))

    def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        self.worker.on_assigned(assigned)


class ProjectionWorker:
    def __init__(
        self,
        view: ProjectionView,
        *,
        bootstrap: str,
        topic: str,
        group_id: str,
        batch_size: int = 500,
        session_timeout_ms: int | None = None,
    ) -> None:
        self.view = view
        self.topic = topic
        # A shorter session than kafka-python's 45 s lets a worker restarted after a crash
        # take its partitions back soon: the group waits that long for the dead member.
        session: dict[str, int] = {}
        if session_timeout_ms is not None:
            heartbeat = min(3000, session_timeout_ms // 3)
            session = {"session_timeout_ms": session_timeout_ms, "heartbeat_interval_ms": heartbeat}
        self.consumer = KafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=group_id,
            client_id=f"idgov-{view.model.name}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=batch_size,
            **session,
        )
        # Every partition needs a position row before any is applied, so the watermark
        # (the minimum over partitions) waits for all of them. Asked here, on the caller's
        # thread: the rebalance listener runs on kafka-python's IO thread and must not block on it.
        partitions = self.consumer.partitions_for_topic(topic) or set()
        view.register_streams([kafka_stream(topic, p) for p in sorted(partitions)])
        self.consumer.subscribe([topic], listener=_SeekToStoredOffsets(self))

    def on_assigned(self, assigned: list[TopicPartition]) -> None:
        # Partitions added to the topic since start-up get their rows here.
        self.view.register_streams([kafka_stream(tp.topic, tp.partition) for tp in assigned])
        stored = self.view.kafka_offsets(self.topic)
        for tp in assigned:
            if tp.partition in stored:
                self.consumer.seek(tp, stored[tp.partition])
            else:
                self.consumer.seek_to_beginning(tp)
        log.info(
            "partitions_assigned",
            partitions=sorted(tp.partition for tp in assigned),
            offsets=stored,
        )

    def run(self, stop: threading.Event) -> None:
        log.info("worker_started", projection=self.view.model.name, topic=self.topic)
        try:
            while not stop.is_set():
                self.poll_once(timeout_ms=500)
        finally:
            self.consumer.close()
            log.info("worker_stopped", projection=self.view.model.name)

    def poll_once(self, timeout_ms: int = 500) -> int:
        polled = self.consumer.poll(timeout_ms=timeout_ms)
        deliveries = [
            decode(
                kafka_stream(tp.topic, tp.partition),
                record.offset,
                list(record.headers),
                record.value,
            )
            for tp, records in polled.items()
            for record in records
        ]
        if not deliveries:
            return 0
        started = time.perf_counter()
        result = self.view.apply_batch(deliveries)
        if result.dead_lettered:
            log.error(
                "events_dead_lettered", projection=self.view.model.name, count=result.dead_lettered
            )
        self.consumer.commit_async(
            {
                tp: OffsetAndMetadata(records[-1].offset + 1, "", -1)
                for tp, records in polled.items()
            }
        )
        log.info(
            "projection_batch",
            projection=self.view.model.name,
            messages=len(deliveries),
            applied=result.applied,
            skipped=result.skipped,
            lag=self.lag(),
            seconds=round(time.perf_counter() - started, 4),
        )
        return len(deliveries)

    def lag(self) -> int:
        """Messages not yet consumed on this worker's partitions (from fetch metadata)."""
        total = 0
        for tp in self.consumer.assignment():
            highwater = self.consumer.highwater(tp)
            if highwater is not None:
                total += max(0, highwater - (self.consumer.position(tp) or 0))
        return total
