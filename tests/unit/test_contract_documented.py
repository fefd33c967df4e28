"""The AsyncAPI document tells what every field means and shows each event type."""

import jsonschema

from consumers.contract import asyncapi
from domain.catalog import EVENT_CLASSES
from domain.serialization import event_from_state


def test_every_field_of_every_event_is_described() -> None:
    undescribed = [
        (event, owner, name)
        for event, schema in asyncapi()["components"]["schemas"].items()
        for owner, spec in [(None, schema), *schema.get("$defs", {}).items()]
        for name, field in spec.get("properties", {}).items()
        if not field.get("description")
    ]
    assert undescribed == []


def test_every_event_type_has_an_example_its_schema_and_its_class_accept() -> None:
    document = asyncapi()
    schemas = document["components"]["schemas"]
    messages = {m["name"]: m for m in document["components"]["messages"].values()}
    for name, event_class in EVENT_CLASSES.items():
        (example,) = messages[name]["examples"]
        message_id = messages[name]["payload"]["$ref"].rsplit("/", 1)[-1]
        jsonschema.validate(example["payload"], schemas[message_id])
        jsonschema.validate(example["headers"], messages[name]["headers"])
        event = event_from_state(event_class, dict(example["payload"]))
        assert type(event) is event_class
