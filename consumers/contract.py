"""The public contract of the event topic as an AsyncAPI 3 document, with a JSON Schema
per event type generated from the event classes themselves, every field described (from
``consumers.glossary``) and one example message per event type."""

from __future__ import annotations

import json
from typing import Any

from consumers import messages
from consumers.glossary import field
from domain.catalog import EVENT_CLASSES
from domain.serialization import event_schema

_HEADERS: dict[str, Any] = {
    "type": "object",
    "required": [
        "ce_specversion",
        "ce_id",
        "ce_type",
        "ce_source",
        "ce_subject",
        "ce_time",
        messages.POSITION,
        messages.AGGREGATE_ID,
        messages.AGGREGATE_VERSION,
    ],
    "properties": {
        "ce_specversion": {"const": "1.0", "description": "The CloudEvents version."},
        "ce_id": {"type": "string", "description": "Stable per event; the same on re-publication."},
        "ce_type": {"type": "string", "description": "The event type, e.g. organization.created."},
        "ce_source": {"type": "string", "description": "The idgov deployment that recorded it."},
        "ce_subject": {"type": "string", "description": "The aggregate the event is about."},
        "ce_time": {
            "type": "string",
            "format": "date-time",
            "description": "When the event happened.",
        },
        messages.POSITION: {
            "type": "string",
            "description": "Event-store position: total order of events.",
        },
        messages.AGGREGATE_ID: {"type": "string", "description": "The aggregate's id."},
        messages.AGGREGATE_VERSION: {
            "type": "string",
            "description": "Version of the aggregate after this event.",
        },
    },
}


def asyncapi(topic: str = "idgov.events.v1") -> dict[str, Any]:
    names = sorted(EVENT_CLASSES)
    schemas = {name: _described(event_schema(EVENT_CLASSES[name])) for name in names}
    message_ids = {name: name.replace(".", "_") for name in names}
    components_messages: dict[str, Any] = {
        message_ids[name]: {
            "name": name,
            "contentType": "application/json",
            "headers": {
                **_HEADERS,
                "properties": {**_HEADERS["properties"], "ce_type": {"const": name}},
            },
            "payload": {"$ref": f"#/components/schemas/{message_ids[name]}"},
            "examples": [
                {
                    "name": message_ids[name],
                    "headers": _example_headers(name, schemas[name]),
                    "payload": _example_payload(name, schemas[name]),
                }
            ],
        }
        for name in names
    }
    components_messages["watermark"] = {
        "name": "watermark",
        "summary": "Progress marker, not an event: every event up to this position has been"
        " published.",
        "description": "No key, an empty body and the idgov_watermark header (the position):"
        " consumers of events skip it. Sent only to a partition that is behind the log and has"
        " carried no message for a short while, so that idle partitions still tell how far the"
        " log went; positions on a partition never go back.",
        "headers": {
            "type": "object",
            "required": [messages.WATERMARK],
            "properties": {
                messages.WATERMARK: {
                    "type": "string",
                    "description": "Every event up to this event-store position is published.",
                }
            },
        },
        "payload": {"type": "string", "maxLength": 0},
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "idgov events",
            "version": "1",
            "description": "Every change idgov records, in event-store order per organization "
            "(the message key). CloudEvents binary mode.",
        },
        "channels": {
            "events": {
                "address": topic,
                "messages": {
                    mid: {"$ref": f"#/components/messages/{mid}"} for mid in components_messages
                },
            }
        },
        "operations": {
            "receiveEvents": {"action": "receive", "channel": {"$ref": "#/channels/events"}}
        },
        "components": {
            "messages": components_messages,
            "schemas": {message_ids[name]: schema for name, schema in schemas.items()},
        },
    }


def _described(schema: dict[str, Any]) -> dict[str, Any]:
    """The event's schema, each of its fields and those of its nested objects described."""
    objects = [(None, schema), *schema.get("$defs", {}).items()]
    for owner, spec in objects:
        for name, property_schema in spec.get("properties", {}).items():
            words = field(owner, name)
            if words is not None:
                property_schema["description"] = words.description
    return schema


def example(schema: dict[str, Any], root: dict[str, Any] | None = None, name: str = "") -> Any:
    """An example value of ``schema``: the glossary's for a field, else one made from its type."""
    root = root if root is not None else schema
    if "$ref" in schema:
        owner = schema["$ref"].rsplit("/", 1)[-1]
        return _example_object(root["$defs"][owner], root, owner)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        branch = next(s for s in schema["anyOf"] if s.get("type") != "null")
        return example(branch, root, name)
    kind = schema.get("type")
    if kind == "object":
        return _example_object(schema, root, None)
    if kind == "array":
        return [example(schema["items"], root, name)]
    return {"integer": 1, "boolean": True, "number": 1}.get(str(kind), name or "text")


def _example_object(schema: dict[str, Any], root: dict[str, Any], owner: str | None) -> Any:
    if "properties" not in schema:
        return {}
    values = {}
    for name, spec in schema["properties"].items():
        words = field(owner, name)
        given = None if words is None else words.example
        values[name] = given if given is not None else example(spec, root, name)
    return values


def _example_payload(name: str, schema: dict[str, Any]) -> Any:
    payload = example(schema)
    if "originator_topic" in payload:  # a creation event names the class it creates
        event_class = EVENT_CLASSES[name]
        aggregate = event_class.__qualname__.rsplit(".", 1)[0]
        payload["originator_topic"] = f"{event_class.__module__}:{aggregate}"
    return payload


def _example_headers(name: str, schema: dict[str, Any]) -> dict[str, str]:
    payload = example(schema)
    return {
        "ce_specversion": "1.0",
        "ce_id": "3f1c9a52-8d0e-5b7a-9c41-2e6d8f0a7b13",
        "ce_type": name,
        "ce_source": "idgov",
        "ce_subject": payload["originator_id"],
        "ce_time": payload["timestamp"],
        messages.POSITION: "4211",
        messages.AGGREGATE_ID: payload["originator_id"],
        messages.AGGREGATE_VERSION: str(payload["originator_version"]),
    }


def render() -> str:
    return json.dumps(asyncapi(), indent=2, sort_keys=True) + "\n"
