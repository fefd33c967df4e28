"""The shape every use case shares: load -> decide -> save, and what a command returns.

Every use case takes the ``EventContext`` of the request and returns ``Committed``: the
resulting aggregate and the event-store position of its last event, which the API hands
back as the consistency token. Optimistic-concurrency conflicts are retried a few times
(the use case reloads and decides again) before surfacing as 409.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, ParamSpec, TypeVar

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.authorization_schema import AuthorizationSchema, Role
from domain.errors import Conflict, NotFound
from domain.events import EventContext, IdgovAggregate
from domain.memberships import OrganizationMembership
from domain.organizations import Organization
from domain.store import EventStore
from domain.uniqueness import Claim, claim_id
from domain.users import User

T = TypeVar("T")
P = ParamSpec("P")
A = TypeVar("A", bound=IdgovAggregate)

MAX_ATTEMPTS = 4


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


class Commands(EventStore):
    """Loading, unique-value claims and saving, for the use-case modules beside this one."""

    def _load(self, cls: type[A], aggregate_id: str, label: str) -> A:
        try:
            aggregate: IdgovAggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"{label} not found: '{aggregate_id}'.") from None
        if not isinstance(aggregate, cls) or getattr(aggregate, "deleted", False):
            raise NotFound(f"{label} not found: '{aggregate_id}'.")
        return aggregate

    def get_organization(self, organization_id: str) -> Organization:
        return self._load(Organization, organization_id, "Organization")

    def get_user(self, user_id: str) -> User:
        return self._load(User, user_id, "User")

    def get_membership(self, membership_id: str) -> OrganizationMembership:
        return self._load(OrganizationMembership, membership_id, "Organization membership")

    def _claim(self, kind: str, value: str) -> Claim | None:
        try:
            claim: IdgovAggregate = self.repository.get(claim_id(kind, value))
        except AggregateNotFoundError:
            return None
        assert isinstance(claim, Claim)
        return claim

    def _take(
        self, kind: str, value: str, owner_id: str, context: EventContext, conflict: Conflict
    ) -> Claim:
        claim = self._claim(kind, value)
        if claim is None:
            return Claim(kind=kind, value=value, owner_id=owner_id, context=context)
        if claim.is_held and claim.owner_id != owner_id:
            raise conflict
        if not claim.is_held:
            claim.take(owner_id, context)
        return claim

    def _release(
        self, kind: str, value: str | None, owner_id: str, context: EventContext
    ) -> list[Claim]:
        claim = self._claim(kind, value) if value is not None else None
        if claim is None or claim.owner_id != owner_id:
            return []
        claim.release(context)
        return [claim]

    def _commit(
        self, value: T, *aggregates: IdgovAggregate | Iterable[IdgovAggregate]
    ) -> Committed[T]:
        flat: list[IdgovAggregate] = []
        for item in aggregates:
            flat.extend([item] if isinstance(item, IdgovAggregate) else item)
        recordings = self.save(*flat)
        position = max((r.notification.id for r in recordings), default=None)
        return Committed(value, position)

    def _missing_on_start(self, context: EventContext) -> list[IdgovAggregate]:
        """Aggregates every environment must have, not yet saved (areas add theirs)."""
        return []

    # Cascades and lookups that one area asks of another; the area that owns them overrides.

    def _delete_memberships(self, context: EventContext, **owner: str) -> list[IdgovAggregate]:
        """Remove every membership of an organization or a user, with what hangs on them."""
        raise NotImplementedError

    def _membership_assignments(
        self, context: EventContext, membership_id: str
    ) -> list[IdgovAggregate]:
        """Remove a membership's role assignments."""
        raise NotImplementedError

    def _organization_resources(
        self, context: EventContext, organization_id: str
    ) -> list[IdgovAggregate]:
        """Remove an organization's resources."""
        raise NotImplementedError

    def _membership_group_links(
        self, context: EventContext, membership_id: str
    ) -> list[IdgovAggregate]:
        """Remove a membership from every group it is in."""
        raise NotImplementedError

    def _organization_groups(
        self, context: EventContext, organization_id: str
    ) -> list[IdgovAggregate]:
        """Remove an organization's groups with their role assignments (their members went
        with the memberships)."""
        raise NotImplementedError

    def _remove_group_assignments(
        self, context: EventContext, assignment_ids: Iterable[str]
    ) -> list[IdgovAggregate]:
        """Remove group role assignments (those on a resource subtree being deleted)."""
        raise NotImplementedError

    def get_schema(self) -> AuthorizationSchema:
        raise NotImplementedError

    def _membership_roles(
        self, organization_id: str, requested: Sequence[str], field: str
    ) -> tuple[str, ...]:
        """The organization-level roles a membership may hold, checked (the organization's
        default role when none is named)."""
        raise NotImplementedError

    def _resolve_role(self, organization_id: str, slug: str) -> Role | None:
        """The role a slug names in an organization: its custom role, else the environment's."""
        raise NotImplementedError

    def _remove_organization_roles(
        self, context: EventContext, organization_id: str
    ) -> list[IdgovAggregate]:
        """Remove an organization's custom roles."""
        raise NotImplementedError
