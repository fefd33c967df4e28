"""What every idgov event carries, and the aggregate base class that stamps it on.

Each aggregate declares its event classes by name (``class Renamed(IdgovAggregate.Event)``
with the facts as fields) and names them in ``@event(Renamed)`` on the method that applies
them; eventsourcing makes them frozen dataclasses. Each one carries its facts plus an
``EventContext`` (organization, actor, source, request id, reason); the timestamp comes
from eventsourcing. Pydantic validates and serialises them, so the stored form, the Kafka
body and the published JSON Schema are one and the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from eventsourcing.domain import (
    BaseAggregate,
    CanInitAggregate,
    CanMutateAggregate,
    MetaDomainEvent,
)

ActorType = Literal["api_key", "user", "directory", "system"]
EventSource = Literal["api", "scim", "sso", "dashboard", "system"]


@dataclass(frozen=True)
class Actor:
    """Who caused a change."""

    type: ActorType
    id: str
    name: str | None = None


SYSTEM = Actor(type="system", id="idgov")


@dataclass(frozen=True)
class EventContext:
    """Who (and for whom), through which channel, under which request, from where, and why.

    ``actor`` is the credential that made the change (an API key, a directory); ``on_behalf_of``
    is the principal it acted for, when it said so. Events recorded before these fields
    existed load with them empty."""

    actor: Actor
    source: EventSource
    organization_id: str | None = None
    request_id: str | None = None
    reason: str | None = None
    on_behalf_of: Actor | None = None
    client_ip: str | None = None
    user_agent: str | None = None

    def for_organization(self, organization_id: str | None) -> EventContext:
        return replace(self, organization_id=organization_id)


class DomainEvent(CanMutateAggregate[str], metaclass=MetaDomainEvent):
    originator_id: str
    originator_version: int
    timestamp: datetime
    context: EventContext


class DomainCreatedEvent(CanInitAggregate[str], DomainEvent):
    originator_topic: str


class IdgovAggregate(BaseAggregate[str]):
    """Base for aggregates with prefixed string ids and context-stamped events."""

    class Event(DomainEvent):
        pass

    class Created(Event, DomainCreatedEvent):
        pass


def fields_added(**defaults: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """An upcast for a version that added fields: stored events of the older version had no
    such facts recorded, so they read as ``defaults`` (unknown)."""

    def upcast(state: dict[str, Any]) -> dict[str, Any]:
        return {**defaults, **state}

    return upcast


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def event_type(event_class: type[Any]) -> str:
    """The public type name of an event: ``Organization.Created`` -> ``organization.created``."""
    aggregate, _, fact = event_class.__qualname__.rpartition(".")
    return f"{_snake(aggregate.rpartition('.')[2])}.{_snake(fact)}"
