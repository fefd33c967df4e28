"""The RoleAssignment aggregate: a membership holds a resource-scoped role on one resource.

Organization-level roles are not assignments of this kind: they live on the membership
(``role_slugs``). Assignments that come through a group are derived in the read model from
group membership and the group's role assignments, so they need no aggregate of their own.
"""

from __future__ import annotations

from eventsourcing.domain import event

from domain import ids
from domain.events import EventContext, IdgovAggregate, fields_added

ROLE_ASSIGNMENT = "role_assignment"


def new_assignment_id() -> str:
    return ids.new_id(ROLE_ASSIGNMENT)


class RoleAssignment(IdgovAggregate):
    class Created(IdgovAggregate.Created):
        organization_membership_id: str
        organization_id: str
        role_slug: str
        resource_id: str

    @event(Created)
    def __init__(
        self,
        id: str,
        organization_membership_id: str,
        organization_id: str,
        role_slug: str,
        resource_id: str,
        context: EventContext,
    ) -> None:
        self.organization_membership_id = organization_membership_id
        self.organization_id = organization_id
        self.role_slug = role_slug
        self.resource_id = resource_id
        self.deleted = False

    def remove(self, context: EventContext) -> None:
        self._removed(self.organization_membership_id, self.role_slug, self.resource_id, context)

    class Removed(IdgovAggregate.Event):
        # Version 1 carried the assignment id only.
        class_version = 2
        organization_membership_id: str | None
        role_slug: str | None
        resource_id: str | None

        upcast_v1_v2 = staticmethod(
            fields_added(organization_membership_id=None, role_slug=None, resource_id=None)
        )

    @event(Removed)
    def _removed(
        self,
        organization_membership_id: str | None,
        role_slug: str | None,
        resource_id: str | None,
        context: EventContext,
    ) -> None:
        self.deleted = True
