"""Every event type idgov records, by its public name."""

from __future__ import annotations

from typing import Any

from domain.api_keys import ApiKey
from domain.authorization_schema import AuthorizationSchema
from domain.environment import Environment
from domain.events import DomainCreatedEvent, DomainEvent, IdgovAggregate, event_type
from domain.groups import Group, GroupMember, GroupRoleAssignment
from domain.memberships import OrganizationMembership
from domain.organization_roles import OrganizationRoles
from domain.organizations import Organization
from domain.resources import Resource
from domain.role_assignments import RoleAssignment
from domain.users import User

PUBLIC_AGGREGATES: tuple[type[IdgovAggregate], ...] = (
    Environment,
    ApiKey,
    Organization,
    User,
    OrganizationMembership,
    AuthorizationSchema,
    OrganizationRoles,
    Resource,
    RoleAssignment,
    Group,
    GroupMember,
    GroupRoleAssignment,
)


def _events_of(aggregate: type[IdgovAggregate]) -> list[type[Any]]:
    events = [
        value
        for name, value in vars(aggregate).items()
        if name != "Event" and isinstance(value, type) and issubclass(value, DomainEvent)
    ]
    created = [e for e in events if issubclass(e, DomainCreatedEvent)]
    if len(created) > 1:
        # An aggregate created by another fact (``GroupMember.Added``) still inherits the
        # base class's ``Created``, which it never records.
        events = [e for e in events if not (e in created and e.__name__ == "Created")]
    return events


EVENT_CLASSES: dict[str, type[Any]] = {
    event_type(cls): cls for aggregate in PUBLIC_AGGREGATES for cls in _events_of(aggregate)
}


def is_public(event: Any) -> bool:
    return event_type(type(event)) in EVENT_CLASSES
