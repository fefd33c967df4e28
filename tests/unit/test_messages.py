"""The Kafka message format: CloudEvents headers, key, body, and decoding back into deliveries."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from consumers.messages import (
    AGGREGATE_ID,
    AGGREGATE_VERSION,
    ENVIRONMENT_KEY,
    POSITION,
    WATERMARK,
    decode,
    event_id,
    event_message,
    watermark_message,
)
from domain.application import IdentityApplication
from domain.events import Actor, EventContext
from domain.organizations import Organization
from domain.serialization import event_to_dict
from domain.users import User
from tests.unit.log_index import in_memory_app

SOURCE = "urn:idgov:test"
STREAM = "idgov.events.v1:2"
CONTEXT = EventContext(
    actor=Actor(type="api_key", id="key_1", name="ci"), source="api", request_id="req_1"
)


class _NoMemberships:
    def membership_ids(
        self, *, organization_id: str | None = None, user_id: str | None = None
    ) -> list[str]:
        return []


@pytest.fixture
def app() -> IdentityApplication:
    return in_memory_app(memberships=_NoMemberships())


def _events(app: IdentityApplication) -> list[Any]:
    notifications = app.store.recorder.select_notifications(start=None, limit=1000)
    return [(n.id, app.store.mapper.to_domain_event(n)) for n in notifications]


def _headers(message: Any) -> dict[str, bytes]:
    names = [name for name, _ in message.headers]
    assert len(names) == len(set(names)), f"duplicate headers: {names}"
    return dict(message.headers)


def test_event_message_carries_cloudevents_and_ordering_headers(app: IdentityApplication) -> None:
    organization = app.organizations.create_organization(
        CONTEXT, name="Acme", external_id="acme"
    ).value
    app.organizations.update_organization(CONTEXT, organization.id, name="Acme Inc")
    renamed = next(e for _, e in _events(app) if isinstance(e, Organization.Renamed))
    position = 42

    message = event_message(renamed, position, SOURCE)
    headers = _headers(message)

    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_type"] == b"organization.renamed"
    assert headers["ce_source"] == SOURCE.encode()
    assert headers["ce_subject"] == organization.id.encode()
    assert headers["ce_id"] == event_id(organization.id, 2).encode()
    assert headers["content-type"] == b"application/json"
    assert headers[POSITION] == b"42"
    assert headers[AGGREGATE_ID] == organization.id.encode()
    assert headers[AGGREGATE_VERSION] == b"2"
    ce_time = headers["ce_time"].decode()
    assert ce_time.endswith("Z")
    assert datetime.fromisoformat(ce_time.replace("Z", "+00:00")) == renamed.timestamp
    # Keyed by organization, so one organization's events stay in one partition, in order.
    assert message.key == organization.id.encode()
    # The body is the event's JSON, the document its JSON Schema describes.
    body = json.loads(message.value)
    assert body == event_to_dict(renamed)
    assert body["name"] == "Acme Inc"
    assert body["context"]["organization_id"] == organization.id


def test_ce_id_is_stable_across_calls_and_distinct_per_event(app: IdentityApplication) -> None:
    organization = app.organizations.create_organization(CONTEXT, name="Acme").value
    app.organizations.update_organization(CONTEXT, organization.id, name="Acme 2")
    events = [e for _, e in _events(app)]
    created = next(e for e in events if isinstance(e, Organization.Created))
    renamed = next(e for e in events if isinstance(e, Organization.Renamed))

    first = _headers(event_message(created, 1, SOURCE))["ce_id"]
    again = _headers(event_message(created, 1, "urn:other"))["ce_id"]
    # Re-publication (even at another position, by another relay) keeps the id.
    elsewhere = _headers(event_message(created, 7, SOURCE))["ce_id"]
    other = _headers(event_message(renamed, 2, SOURCE))["ce_id"]
    assert first == again == elsewhere
    assert other != first
    assert event_id(organization.id, 1) != event_id(organization.id + "x", 1)


def test_environment_level_events_use_the_fixed_key(app: IdentityApplication) -> None:
    app.environment.initialize_environment(CONTEXT)
    app.users.create_user(CONTEXT, email="ada@example.com")
    events = [e for _, e in _events(app) if type(e).__qualname__ != "Claim.Created"]
    assert {type(e).__qualname__ for e in events} >= {
        "Environment.Created",
        "ApiKey.Created",
        "User.Created",
    }
    for event in events:
        assert event.context.organization_id is None
        assert event_message(event, 1, SOURCE).key == ENVIRONMENT_KEY.encode()


def test_decode_round_trips_every_message(app: IdentityApplication) -> None:
    organization = app.organizations.create_organization(
        CONTEXT, name="Acme", domains=[("acme.com", "verified")]
    ).value
    user = app.users.create_user(CONTEXT, email="Grace@Example.com", first_name="Grace").value
    app.custom_roles.create_organization_role(
        CONTEXT,
        organization.id,
        slug="org-admin",
        name="Admin",
        description=None,
        resource_type_slug=None,
    )
    app.memberships.create_membership(
        CONTEXT, user_id=user.id, organization_id=organization.id, role_slugs=["org-admin"]
    )
    app.users.update_user(CONTEXT, user.id, metadata={"team": "core"})
    decoded = set()
    for position, event in _events(app):
        if type(event).__qualname__.startswith("Claim."):
            continue
        message = event_message(event, position, SOURCE)
        delivery = decode(STREAM, 10 + position, list(message.headers), message.value)
        assert delivery.stream == STREAM
        assert delivery.position == position
        assert delivery.kafka_offset == 11 + position  # the next offset to read
        assert delivery.error is None
        assert delivery.raw is None
        assert delivery.event == event
        assert type(delivery.event) is type(event)
        decoded.add(type(event).__qualname__)
        if type(event).__qualname__.startswith("OrganizationRoles."):
            assert message.key == organization.id.encode()  # in order with the organization
    assert decoded >= {
        "Organization.Created",
        "User.Created",
        "OrganizationRoles.RoleCreated",
        "OrganizationMembership.Created",
        "User.MetadataChanged",
    }


def test_decode_watermark() -> None:
    message = watermark_message(1234)
    assert message.key is None
    assert message.value == b""
    assert dict(message.headers) == {WATERMARK: b"1234"}

    delivery = decode(STREAM, 99, list(message.headers), message.value)
    assert delivery.stream == STREAM
    assert delivery.position == 1234
    assert delivery.event is None
    assert delivery.kafka_offset == 100
    assert delivery.error is None


@pytest.mark.parametrize(
    ("ce_type", "body"),
    [
        (b"organization.renamed", b"{not json"),
        (b"organization.renamed", b'{"name": 5}'),  # valid JSON, not a valid event
        (b"organization.exploded", b"{}"),  # a type this consumer does not know
    ],
)
def test_undecodable_body_becomes_a_delivery_with_error(
    app: IdentityApplication, ce_type: bytes, body: bytes
) -> None:
    organization = app.organizations.create_organization(CONTEXT, name="Acme").value
    app.organizations.update_organization(CONTEXT, organization.id, name="Acme 2")
    _, renamed = _events(app)[-1]
    headers = [
        (k, ce_type if k == "ce_type" else v) for k, v in event_message(renamed, 5, SOURCE).headers
    ]

    delivery = decode(STREAM, 7, headers, body)

    assert delivery.event is None
    assert delivery.position == 5  # the stream still moves past it
    assert delivery.kafka_offset == 8
    assert delivery.raw == body
    assert delivery.error is not None
    assert delivery.error.startswith("undecodable event")


def test_user_events_are_published_without_organization(app: IdentityApplication) -> None:
    user = app.users.create_user(CONTEXT, email="u@example.com").value
    created = next(e for _, e in _events(app) if isinstance(e, User.Created))
    headers = _headers(event_message(created, 3, SOURCE))
    assert headers["ce_type"] == b"user.created"
    assert headers["ce_subject"] == user.id.encode()
