"""The published AsyncAPI document matches the event classes."""

from pathlib import Path

from consumers.contract import asyncapi, render
from domain.catalog import EVENT_CLASSES

PUBLISHED = Path(__file__).resolve().parents[2] / "consumers" / "asyncapi.json"


def test_published_document_is_current() -> None:
    assert PUBLISHED.read_text() == render(), "run: idgov contract > consumers/asyncapi.json"


def test_every_event_type_has_a_schema_with_its_context() -> None:
    schemas = asyncapi()["components"]["schemas"]
    assert len(schemas) == len(EVENT_CLASSES)
    for schema in schemas.values():
        assert {"originator_id", "originator_version", "timestamp", "context"} <= set(
            schema["required"]
        )
        context = schema["$defs"]["EventContext"]
        assert {"actor", "source"} <= set(context["required"])
