"""The OrganizationMembership aggregate: a user's place in an organization, with roles."""

from __future__ import annotations

from typing import Literal

from eventsourcing.domain import event

from domain.errors import Rejected
from domain.events import EventContext, IdgovAggregate

MembershipStatus = Literal["active", "inactive", "pending"]


class OrganizationMembership(IdgovAggregate):
    class Created(IdgovAggregate.Created):
        user_id: str
        organization_id: str
        role_slugs: tuple[str, ...]
        status: MembershipStatus

    @event(Created)
    def __init__(
        self,
        id: str,
        user_id: str,
        organization_id: str,
        role_slugs: tuple[str, ...],
        status: MembershipStatus,
        context: EventContext,
    ) -> None:
        self.user_id = user_id
        self.organization_id = organization_id
        self.role_slugs = role_slugs
        self.status: MembershipStatus = status
        self.deleted = False

    class RolesChanged(IdgovAggregate.Event):
        role_slugs: tuple[str, ...]

    @event(RolesChanged)
    def change_roles(self, role_slugs: tuple[str, ...], context: EventContext) -> None:
        self.role_slugs = role_slugs

    def deactivate(self, context: EventContext) -> None:
        if self.status == "pending":
            raise Rejected(
                "A pending membership cannot be deactivated.",
                code="cannot_deactivate_pending_organization_membership",
            )
        if self.status == "active":
            self._deactivate(context)

    class Deactivated(IdgovAggregate.Event):
        pass

    @event(Deactivated)
    def _deactivate(self, context: EventContext) -> None:
        self.status = "inactive"

    def reactivate(self, context: EventContext) -> None:
        if self.status == "pending":
            raise Rejected(
                "A pending membership cannot be reactivated; the invitation must be accepted.",
                code="cannot_reactivate_pending_organization_membership",
            )
        if self.status == "inactive":
            self._reactivate(context)

    class Reactivated(IdgovAggregate.Event):
        pass

    @event(Reactivated)
    def _reactivate(self, context: EventContext) -> None:
        self.status = "active"

    class Deleted(IdgovAggregate.Event):
        pass

    @event(Deleted)
    def delete(self, context: EventContext) -> None:
        self.deleted = True
