"""The Kafka message format: CloudEvents binary mode, one message per domain event.

Headers carry the CloudEvents attributes (``ce_*``) and idgov's ordering facts: the
event-store position and the aggregate id and version. The key is the organization id
(``environment`` for environment-level events), so one organization's events keep their
order. The body is the event's JSON, the same document its JSON Schema describes.

A message with the header ``idgov_watermark`` and an empty body is not an event: the relay
sends one to a partition to say that every event up to that position has been published
to it. Projection workers use them to know when a read model is complete up to a position.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.catalog import EVENT_CLASSES
from domain.events import event_type
from domain.serialization import event_from_state, event_to_json
from projections.base import Delivery

ENVIRONMENT_KEY = "environment"
POSITION = "idgov_position"
AGGREGATE_ID = "idgov_aggregate_id"
AGGREGATE_VERSION = "idgov_aggregate_version"
WATERMARK = "idgov_watermark"
_ID_NAMESPACE = uuid.UUID("5b0b7a43-3c0e-4a8b-9d8f-6a1c3e2f9b10")

Headers = list[tuple[str, bytes]]


@dataclass(frozen=True)
class Message:
    key: bytes | None
    value: bytes
    headers: Headers
    position: int  # the event-store position it reaches


def event_id(aggregate_id: str, version: int) -> str:
    """Stable across re-publication, so consumers can de-duplicate by it."""
    return str(uuid.uuid5(_ID_NAMESPACE, f"{aggregate_id}:{version}"))


def _time(timestamp: datetime) -> str:
    return timestamp.isoformat().replace("+00:00", "Z")


def event_message(event: Any, position: int, source: str) -> Message:
    organization_id = event.context.organization_id
    headers: Headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", event_id(event.originator_id, event.originator_version).encode()),
        ("ce_type", event_type(type(event)).encode()),
        ("ce_source", source.encode()),
        ("ce_subject", event.originator_id.encode()),
        ("ce_time", _time(event.timestamp).encode()),
        ("content-type", b"application/json"),
        (POSITION, str(position).encode()),
        (AGGREGATE_ID, event.originator_id.encode()),
        (AGGREGATE_VERSION, str(event.originator_version).encode()),
    ]
    key = (organization_id or ENVIRONMENT_KEY).encode()
    return Message(key, event_to_json(event), headers, position)


def watermark_message(position: int) -> Message:
    return Message(None, b"", [(WATERMARK, str(position).encode())], position)


def decode(stream: str, offset: int, headers: Headers, value: bytes) -> Delivery:
    """A consumed record as a projection delivery; undecodable events become dead letters."""
    header = {name: data for name, data in headers}
    next_offset = offset + 1
    if WATERMARK in header:
        return Delivery(stream, int(header[WATERMARK]), None, next_offset)
    position = int(header[POSITION])
    try:
        event_class = EVENT_CLASSES[header["ce_type"].decode()]
        event = event_from_state(event_class, json.loads(value))
    except Exception as error:  # the projection records it as a dead letter
        return Delivery(
            stream, position, None, next_offset, raw=value, error=f"undecodable event: {error!r}"
        )
    return Delivery(stream, position, event, next_offset)
