"""Claims on unique values (an organization's external id, a user's email, one membership
per user and organization).

A claim is a tiny aggregate whose id is derived from the value. Creating it in the same
save as the owner makes the event store's optimistic concurrency enforce uniqueness:
two racing commands cannot both record version 1 of the same claim.
"""

from __future__ import annotations

import hashlib

from eventsourcing.domain import event

from domain.events import EventContext, IdgovAggregate


def claim_id(kind: str, value: str) -> str:
    return f"claim_{kind}_{hashlib.sha256(value.encode()).hexdigest()[:40]}"


class Claim(IdgovAggregate):
    @staticmethod
    def create_id(kind: str, value: str, **_: object) -> str:
        return claim_id(kind, value)

    class Created(IdgovAggregate.Created):
        kind: str
        value: str
        owner_id: str

    @event(Created)
    def __init__(self, kind: str, value: str, owner_id: str, context: EventContext) -> None:
        self.kind = kind
        self.value = value
        self.owner_id: str | None = owner_id

    @property
    def is_held(self) -> bool:
        return self.owner_id is not None

    class Taken(IdgovAggregate.Event):
        owner_id: str

    @event(Taken)
    def take(self, owner_id: str, context: EventContext) -> None:
        self.owner_id = owner_id

    class Released(IdgovAggregate.Event):
        pass

    @event(Released)
    def release(self, context: EventContext) -> None:
        self.owner_id = None
