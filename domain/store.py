"""The event store: eventsourcing's ``Application`` over idgov's events and notification log,
and the shape every use case shares: load -> decide -> save.

Use cases (``domain/services/``) load aggregates from it, claim unique values through it and
commit what they changed to it. A commit answers ``Committed``: the resulting value and the
event-store position of its last event, which the API hands back as the consistency token.
Optimistic-concurrency conflicts are retried a few times (the use case reloads and decides
again) before surfacing as 409. The consumers read its notification log, named
``EVENT_STORE_STREAM`` as eventsourcing names it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, TypeVar

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, Mapper

from domain.authorization_schema import DEFAULT_ROLE, ROOT_TYPE, SCHEMA_ID, AuthorizationSchema
from domain.errors import Conflict, NotFound
from domain.events import SYSTEM, EventContext, IdgovAggregate
from domain.memberships import OrganizationMembership
from domain.organization_roles import OrganizationRoles, organization_roles_id
from domain.organizations import Organization
from domain.resources import Resource
from domain.serialization import PydanticMapper
from domain.uniqueness import Claim, claim_id
from domain.users import User

EVENT_STORE_STREAM = "idgov"
MAX_ATTEMPTS = 4

# What the recorder stores with the events of every commit in this context, in their
# transaction (the API's idempotency key: a command whose answer was lost is never run twice).
RECORDED_WITH: ContextVar[dict[str, Any] | None] = ContextVar("recorded_with", default=None)

T = TypeVar("T")
P = ParamSpec("P")
A = TypeVar("A", bound=IdgovAggregate)


@dataclass(frozen=True)
class Committed(Generic[T]):
    value: T
    position: int | None  # None when the command changed nothing


def retry_on_conflict(method: Callable[P, T]) -> Callable[P, T]:
    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        for _ in range(MAX_ATTEMPTS - 1):
            try:
                return method(*args, **kwargs)
            except IntegrityError:
                continue
        try:
            return method(*args, **kwargs)
        except IntegrityError as error:
            raise Conflict(
                "The entity was changed concurrently; retry the request.",
                code="concurrent_modification",
            ) from error

    return wrapper


class EventStore(Application[str]):
    name = EVENT_STORE_STREAM

    def construct_mapper(self) -> Mapper[str]:
        return PydanticMapper(transcoder=self.construct_transcoder())

    # Loading ----------------------------------------------------------------

    def load(self, cls: type[A], aggregate_id: str, label: str) -> A:
        """The live aggregate of that class; ``NotFound`` (naming it ``label``) otherwise."""
        try:
            aggregate: IdgovAggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"{label} not found: '{aggregate_id}'.") from None
        if not isinstance(aggregate, cls) or getattr(aggregate, "deleted", False):
            raise NotFound(f"{label} not found: '{aggregate_id}'.")
        return aggregate

    def find(self, cls: type[A], aggregate_id: str) -> A | None:
        """The aggregate if it was ever saved, deleted or not."""
        try:
            aggregate: IdgovAggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        assert isinstance(aggregate, cls)
        return aggregate

    def get_organization(self, organization_id: str) -> Organization:
        return self.load(Organization, organization_id, "Organization")

    def get_user(self, user_id: str) -> User:
        return self.load(User, user_id, "User")

    def get_membership(self, membership_id: str) -> OrganizationMembership:
        return self.load(OrganizationMembership, membership_id, "Organization membership")

    def get_resource(self, resource_id: str) -> Resource:
        return self.load(Resource, resource_id, "Resource")

    def get_schema(self) -> AuthorizationSchema:
        """The environment's schema; a new one (not yet saved) before the first start."""
        return self.find(AuthorizationSchema, SCHEMA_ID) or new_schema(
            EventContext(actor=SYSTEM, source="system")
        )

    def get_organization_roles(self, organization_id: str) -> OrganizationRoles | None:
        """The organization's own roles, or None while it uses the environment's."""
        return self.find(OrganizationRoles, organization_roles_id(organization_id))

    # Unique values ------------------------------------------------------------

    def claim(self, kind: str, value: str) -> Claim | None:
        return self.find(Claim, claim_id(kind, value))

    def owner(self, kind: str, value: str) -> str | None:
        """Who holds the value now, if anyone."""
        claim = self.claim(kind, value)
        return claim.owner_id if claim is not None else None

    def take(
        self, kind: str, value: str, owner_id: str, context: EventContext, conflict: Conflict
    ) -> Claim:
        """Claim ``value`` for ``owner_id``; ``conflict`` is raised when another owner holds it."""
        claim = self.claim(kind, value)
        if claim is None:
            return Claim(kind=kind, value=value, owner_id=owner_id, context=context)
        if claim.is_held and claim.owner_id != owner_id:
            raise conflict
        if not claim.is_held:
            claim.take(owner_id, context)
        return claim

    def release(
        self, kind: str, value: str | None, owner_id: str, context: EventContext
    ) -> list[Claim]:
        claim = self.claim(kind, value) if value is not None else None
        if claim is None or claim.owner_id != owner_id:
            return []
        claim.release(context)
        return [claim]

    # Saving -------------------------------------------------------------------

    def commit(
        self, value: T, *aggregates: IdgovAggregate | Iterable[IdgovAggregate]
    ) -> Committed[T]:
        """Save every aggregate in one transaction; answer ``value`` with the position."""
        flat: list[IdgovAggregate] = []
        for item in aggregates:
            flat.extend([item] if isinstance(item, IdgovAggregate) else item)
        recordings = self.save(*flat, **(RECORDED_WITH.get() or {}))
        position = max((r.notification.id for r in recordings), default=None)
        return Committed(value, position)


def naming(changes: dict[str, Any]) -> dict[str, Any]:
    """The name and description a partial update names: ``describe`` says whether a
    description was sent at all (``None`` clears it)."""
    return {
        "name": changes.get("name"),
        "description": changes.get("description"),
        "describe": "description" in changes,
    }


def new_schema(context: EventContext) -> AuthorizationSchema:
    """Every environment starts with the ``member`` role as its default."""
    schema = AuthorizationSchema(context=context)
    schema.create_role(DEFAULT_ROLE, "Member", None, ROOT_TYPE, context)
    return schema
