"""The public contract of the event topic as an AsyncAPI 3 document, with a JSON Schema
per event type generated from the event classes themselves."""

from __future__ import annotations

import json
from typing import Any

from consumers import messages
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
        "ce_specversion": {"const": "1.0"},
        "ce_id": {"type": "string", "description": "Stable per event; the same on re-publication."},
        "ce_type": {"type": "string", "description": "The event type, e.g. organization.created."},
        "ce_source": {"type": "string"},
        "ce_subject": {"type": "string", "description": "The aggregate the event is about."},
        "ce_time": {"type": "string", "format": "date-time"},
        messages.POSITION: {
            "type": "string",
            "description": "Event-store position: total order of events.",
        },
        messages.AGGREGATE_ID: {"type": "string"},
        messages.AGGREGATE_VERSION: {
            "type": "string",
            "description": "Version of the aggregate after this event.",
        },
    },
}


def asyncapi(topic: str = "idgov.events.v1") -> dict[str, Any]:
    names = sorted(EVENT_CLASSES)
    schemas = {name: event_schema(EVENT_CLASSES[name]) for name in names}
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
            "properties": {messages.WATERMARK: {"type": "string"}},
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


def render() -> str:
    return json.dumps(asyncapi(), indent=2, sort_keys=True) + "\n"
