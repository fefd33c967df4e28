"""Events to JSON and back, through pydantic.

The same bytes are stored in the event store and published as the Kafka body, and
``event_schema`` exports the JSON Schema of each event type for downstream consumers.
Versioned event classes upcast old stored state with eventsourcing's convention:
``class_version = N`` and static methods ``upcast_vK_vK1(state) -> state``.

Text PostgreSQL cannot store (NUL, lone surrogates) is refused by the API, but events accepted
before it was are kept as they are: they read with U+FFFD in its place, so every read model
can hold them, and a replay repairs a model that dead-lettered them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import TypeAdapter

_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}
# How the stored JSON (ASCII, escaped) spells NUL and surrogates: only such events are looked at.
_SUSPECT = re.compile(rb"\\u0000|\\u[dD][89a-fA-F]")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _adapter(event_class: type[Any]) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(event_class)
    if adapter is None:
        adapter = _ADAPTERS[event_class] = TypeAdapter(event_class)
    return adapter


def event_to_json(event: Any) -> bytes:
    return _adapter(type(event)).dump_json(event)


def event_to_dict(event: Any) -> dict[str, Any]:
    result: dict[str, Any] = _adapter(type(event)).dump_python(event, mode="json")
    return result


def event_from_state(event_class: type[Any], state: dict[str, Any]) -> Any:
    """Validate (after upcasting) a JSON-shaped state into a domain event."""
    version = state.pop("class_version", 1)
    target = getattr(event_class, "class_version", 1)
    while version < target:
        state = getattr(event_class, f"upcast_v{version}_v{version + 1}")(state)
        version += 1
    return _adapter(event_class).validate_python(state)


def event_schema(event_class: type[Any]) -> dict[str, Any]:
    schema: dict[str, Any] = _adapter(event_class).json_schema()
    return schema


class PydanticMapper(Mapper[str]):
    """eventsourcing Mapper that stores events as their pydantic JSON."""

    def to_stored_event(self, domain_event: DomainEventProtocol[str]) -> StoredEvent:
        state = event_to_dict(domain_event)
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        data = json.dumps(state, separators=(",", ":")).encode()
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=get_topic(type(domain_event)),
            state=data,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[str]:
        data = stored_event.state
        if self.cipher:
            data = self.cipher.decrypt(data)
        if self.compressor:
            data = self.compressor.decompress(data)
        state = json.loads(data)
        if _SUSPECT.search(data):
            state = _storable(state)
        state["originator_id"] = str(stored_event.originator_id)
        state["originator_version"] = stored_event.originator_version
        event: DomainEventProtocol[str] = event_from_state(resolve_topic(stored_event.topic), state)
        return event


def _storable(value: Any) -> Any:
    """``value`` with NUL and lone surrogates (a pair is one character by now) as U+FFFD."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value
