"""Use cases of organization memberships.

A membership holds one or more organization-level roles (``role_slugs``): roles of the
environment or custom roles of its organization, never resource-scoped ones, several only
when the environment allows multiple roles. Named none, it gets the organization's default
role.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from domain import ids
from domain.commands.base import Commands, Committed, retry_on_conflict
from domain.errors import Conflict, NotFound, Rejected
from domain.events import EventContext, IdgovAggregate
from domain.memberships import OrganizationMembership


class MembershipIndex(Protocol):
    """Answers from the read side which memberships a cascade must remove."""

    def membership_ids(
        self, *, organization_id: str | None = None, user_id: str | None = None
    ) -> list[str]: ...


class MembershipCommands(Commands):
    membership_index: MembershipIndex | None = None

    @retry_on_conflict
    def create_membership(
        self,
        context: EventContext,
        *,
        user_id: str,
        organization_id: str,
        role_slugs: Sequence[str] = (),
        role_field: str = "role_slugs",
    ) -> Committed[OrganizationMembership]:
        """``role_field`` names the request field the roles came in, for errors about them."""
        self.get_user(user_id)
        self.get_organization(organization_id)
        context = context.for_organization(organization_id)
        roles = self._membership_roles(organization_id, role_slugs, role_field)
        pair = f"{user_id}/{organization_id}"
        existing = self._claim("membership", pair)
        if existing is not None and existing.owner_id is not None:
            membership = self.get_membership(existing.owner_id)
            if membership.status == "active":
                raise Conflict(
                    f"User '{user_id}' is already a member of organization '{organization_id}'.",
                    code="organization_membership_already_exists",
                )
            if membership.status == "pending":
                raise Rejected(
                    "A pending membership cannot be reactivated; the invitation must be accepted.",
                    code="cannot_reactivate_pending_organization_membership",
                )
            membership.reactivate(context)
            if membership.role_slugs != roles:
                membership.change_roles(roles, context)
            return self._commit(membership, membership)
        membership_id = ids.new_id(ids.MEMBERSHIP)
        claim = self._take("membership", pair, membership_id, context, Conflict("unreachable"))
        membership = OrganizationMembership(
            id=membership_id,
            user_id=user_id,
            organization_id=organization_id,
            role_slugs=roles,
            status="active",
            context=context,
        )
        return self._commit(membership, membership, claim)

    @retry_on_conflict
    def change_membership_roles(
        self,
        context: EventContext,
        membership_id: str,
        role_slugs: Sequence[str],
        role_field: str = "role_slugs",
    ) -> Committed[OrganizationMembership]:
        membership = self.get_membership(membership_id)
        roles = self._membership_roles(membership.organization_id, role_slugs, role_field)
        if roles != membership.role_slugs:
            membership.change_roles(roles, context.for_organization(membership.organization_id))
        return self._commit(membership, membership)

    @retry_on_conflict
    def deactivate_membership(
        self, context: EventContext, membership_id: str
    ) -> Committed[OrganizationMembership]:
        membership = self.get_membership(membership_id)
        membership.deactivate(context.for_organization(membership.organization_id))
        return self._commit(membership, membership)

    @retry_on_conflict
    def reactivate_membership(
        self, context: EventContext, membership_id: str
    ) -> Committed[OrganizationMembership]:
        membership = self.get_membership(membership_id)
        membership.reactivate(context.for_organization(membership.organization_id))
        return self._commit(membership, membership)

    @retry_on_conflict
    def delete_membership(
        self, context: EventContext, membership_id: str
    ) -> Committed[OrganizationMembership]:
        membership = self.get_membership(membership_id)
        removed = self._remove_membership(membership, context)
        return self._commit(membership, removed)

    def _remove_membership(
        self, membership: OrganizationMembership, context: EventContext
    ) -> list[IdgovAggregate]:
        context = context.for_organization(membership.organization_id)
        assignments = self._membership_assignments(context, membership.id)
        assignments += self._membership_group_links(context, membership.id)
        membership.delete(context)
        pair = f"{membership.user_id}/{membership.organization_id}"
        return [
            *assignments,
            membership,
            *self._release("membership", pair, membership.id, context),
        ]

    def _delete_memberships(self, context: EventContext, **owner: str) -> list[IdgovAggregate]:
        if self.membership_index is None:
            raise RuntimeError("IdentityApplication.membership_index is not wired")
        removed: list[IdgovAggregate] = []
        for membership_id in self.membership_index.membership_ids(**owner):
            try:
                membership = self.get_membership(membership_id)
            except NotFound:
                continue
            removed += self._remove_membership(membership, context)
        return removed
