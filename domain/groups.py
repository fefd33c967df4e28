"""Groups of organization memberships, who is in them, and the roles they give their members.

A group is a named set of memberships of one organization. Membership of a group is not
kept on the group: each (group, membership) link is a small aggregate of its own, so a
group with thousands of members never becomes one large aggregate, and adding one member
never contends with adding another. A claim on the pair keeps one live link per pair.

A group role assignment gives a role to every member of the group, on a resource (or, on
the organization's root resource, at organization level). Members' access through it is
derived in the read model from the links and the assignments; nothing is copied per member.
"""

from __future__ import annotations

from eventsourcing.domain import event

from domain import ids
from domain.events import EventContext, IdgovAggregate, fields_added


class Group(IdgovAggregate):
    class Created(IdgovAggregate.Created):
        organization_id: str
        name: str
        description: str | None

    @event(Created)
    def __init__(
        self,
        id: str,
        organization_id: str,
        name: str,
        description: str | None,
        context: EventContext,
    ) -> None:
        self.organization_id = organization_id
        self.name = name
        self.description = description
        self.deleted = False

    def rename(self, name: str, context: EventContext) -> None:
        if name != self.name:
            self._renamed(self.name, name, context)

    class Renamed(IdgovAggregate.Event):
        # Version 1 carried the new name only.
        class_version = 2
        previous_name: str | None
        name: str

        upcast_v1_v2 = staticmethod(fields_added(previous_name=None))

    @event(Renamed)
    def _renamed(self, previous_name: str | None, name: str, context: EventContext) -> None:
        self.name = name

    def describe(self, description: str | None, context: EventContext) -> None:
        if description != self.description:
            self._described(self.description, description, context)

    class Described(IdgovAggregate.Event):
        # Version 1 carried the new description only.
        class_version = 2
        previous_description: str | None
        description: str | None

        upcast_v1_v2 = staticmethod(fields_added(previous_description=None))

    @event(Described)
    def _described(
        self, previous_description: str | None, description: str | None, context: EventContext
    ) -> None:
        self.description = description

    def delete(self, context: EventContext) -> None:
        self._deleted(self.name, context)

    class Deleted(IdgovAggregate.Event):
        # Version 1 carried the group id only.
        class_version = 2
        name: str | None

        upcast_v1_v2 = staticmethod(fields_added(name=None))

    @event(Deleted)
    def _deleted(self, name: str | None, context: EventContext) -> None:
        self.deleted = True


class GroupMember(IdgovAggregate):
    """One organization membership in one group, from being added until being removed."""

    class Added(IdgovAggregate.Created):
        group_id: str
        organization_membership_id: str
        organization_id: str

    @event(Added)
    def __init__(
        self,
        id: str,
        group_id: str,
        organization_membership_id: str,
        organization_id: str,
        context: EventContext,
    ) -> None:
        self.group_id = group_id
        self.organization_membership_id = organization_membership_id
        self.organization_id = organization_id
        self.deleted = False

    def remove(self, context: EventContext) -> None:
        self._removed(self.group_id, self.organization_membership_id, context)

    class Removed(IdgovAggregate.Event):
        # Version 1 carried the member id only.
        class_version = 2
        group_id: str | None
        organization_membership_id: str | None

        upcast_v1_v2 = staticmethod(fields_added(group_id=None, organization_membership_id=None))

    @event(Removed)
    def _removed(
        self, group_id: str | None, organization_membership_id: str | None, context: EventContext
    ) -> None:
        self.deleted = True


class GroupRoleAssignment(IdgovAggregate):
    """A role held by every member of a group, on one resource (the root for organization-level
    roles)."""

    class Created(IdgovAggregate.Created):
        group_id: str
        organization_id: str
        role_slug: str
        resource_id: str

    @event(Created)
    def __init__(
        self,
        id: str,
        group_id: str,
        organization_id: str,
        role_slug: str,
        resource_id: str,
        context: EventContext,
    ) -> None:
        self.group_id = group_id
        self.organization_id = organization_id
        self.role_slug = role_slug
        self.resource_id = resource_id
        self.deleted = False

    def remove(self, context: EventContext) -> None:
        self._removed(self.group_id, self.role_slug, self.resource_id, context)

    class Removed(IdgovAggregate.Event):
        # Version 1 carried the assignment id only.
        class_version = 2
        group_id: str | None
        role_slug: str | None
        resource_id: str | None

        upcast_v1_v2 = staticmethod(fields_added(group_id=None, role_slug=None, resource_id=None))

    @event(Removed)
    def _removed(
        self,
        group_id: str | None,
        role_slug: str | None,
        resource_id: str | None,
        context: EventContext,
    ) -> None:
        self.deleted = True


def new_group_id() -> str:
    return ids.new_id(ids.GROUP)


def new_member_id() -> str:
    return ids.new_id(ids.GROUP_MEMBER)


def new_group_role_assignment_id() -> str:
    return ids.new_id(ids.GROUP_ROLE_ASSIGNMENT)
