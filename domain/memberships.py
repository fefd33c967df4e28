"""The OrganizationMembership aggregate: a user's place in an organization, with roles."""

from __future__ import annotations

from typing import Literal

from eventsourcing.domain import event

from domain.errors import Rejected
from domain.events import EventContext, IdgovAggregate, fields_added

MembershipStatus = Literal["active", "inactive", "pending"]


class _Stated(IdgovAggregate.Event):
    """A status change or removal, stating whose membership of which organization it was and
    the roles it held (version 1 carried the membership id only)."""

    class_version = 2
    user_id: str | None
    organization_id: str | None
    role_slugs: tuple[str, ...] | None

    upcast_v1_v2 = staticmethod(fields_added(user_id=None, organization_id=None, role_slugs=None))


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

    def _what_it_was(self) -> tuple[str, str, tuple[str, ...]]:
        return self.user_id, self.organization_id, self.role_slugs

    def change_roles(self, role_slugs: tuple[str, ...], context: EventContext) -> None:
        self._roles_changed(self.role_slugs, role_slugs, context)

    class RolesChanged(IdgovAggregate.Event):
        # Version 1 carried the new roles only.
        class_version = 2
        previous_role_slugs: tuple[str, ...] | None
        role_slugs: tuple[str, ...]

        upcast_v1_v2 = staticmethod(fields_added(previous_role_slugs=None))

    @event(RolesChanged)
    def _roles_changed(
        self,
        previous_role_slugs: tuple[str, ...] | None,
        role_slugs: tuple[str, ...],
        context: EventContext,
    ) -> None:
        self.role_slugs = role_slugs

    def deactivate(self, context: EventContext) -> None:
        if self.status == "pending":
            raise Rejected(
                "A pending membership cannot be deactivated.",
                code="cannot_deactivate_pending_organization_membership",
            )
        if self.status == "active":
            self._deactivate(*self._what_it_was(), context)

    class Deactivated(_Stated):
        pass

    @event(Deactivated)
    def _deactivate(
        self,
        user_id: str | None,
        organization_id: str | None,
        role_slugs: tuple[str, ...] | None,
        context: EventContext,
    ) -> None:
        self.status = "inactive"

    def reactivate(self, context: EventContext) -> None:
        if self.status == "pending":
            raise Rejected(
                "A pending membership cannot be reactivated; the invitation must be accepted.",
                code="cannot_reactivate_pending_organization_membership",
            )
        if self.status == "inactive":
            self._reactivate(*self._what_it_was(), context)

    class Reactivated(_Stated):
        pass

    @event(Reactivated)
    def _reactivate(
        self,
        user_id: str | None,
        organization_id: str | None,
        role_slugs: tuple[str, ...] | None,
        context: EventContext,
    ) -> None:
        self.status = "active"

    def delete(self, context: EventContext) -> None:
        self._deleted(*self._what_it_was(), context)

    class Deleted(_Stated):
        pass

    @event(Deleted)
    def _deleted(
        self,
        user_id: str | None,
        organization_id: str | None,
        role_slugs: tuple[str, ...] | None,
        context: EventContext,
    ) -> None:
        self.deleted = True
