"""Use cases of organization memberships.

A membership holds one or more organization-level roles (``role_slugs``): roles of the
environment or custom roles of its organization, never resource-scoped ones, several only
when the environment allows multiple roles. Named none, it gets the organization's default
role.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain import ids
from domain.errors import Conflict, Rejected
from domain.events import EventContext
from domain.memberships import OrganizationMembership
from domain.services import claims
from domain.services.cascades import Cascades
from domain.services.role_rules import membership_roles
from domain.store import Committed, EventStore, retry_on_conflict


@dataclass(frozen=True)
class MembershipService:
    store: EventStore
    cascades: Cascades

    def _roles(self, organization_id: str, requested: Sequence[str], field: str) -> tuple[str, ...]:
        return membership_roles(
            self.store.get_schema(),
            self.store.get_organization_roles(organization_id),
            requested,
            field,
        )

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
        """A user's inactive membership of the organization is reactivated with the roles.
        ``role_field`` names the request field the roles came in, for errors about them."""
        self.store.get_user(user_id)
        self.store.get_organization(organization_id)
        context = context.for_organization(organization_id)
        roles = self._roles(organization_id, role_slugs, role_field)
        key = claims.membership_key(user_id, organization_id)
        existing = self.store.owner(claims.MEMBERSHIP, key)
        if existing is not None:
            membership = self.store.get_membership(existing)
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
            return self.store.commit(membership, membership)
        membership_id = ids.new_id(ids.MEMBERSHIP)
        claim = self.store.take(
            claims.MEMBERSHIP, key, membership_id, context, Conflict("unreachable")
        )
        membership = OrganizationMembership(
            id=membership_id,
            user_id=user_id,
            organization_id=organization_id,
            role_slugs=roles,
            status="active",
            context=context,
        )
        return self.store.commit(membership, membership, claim)

    @retry_on_conflict
    def change_membership_roles(
        self,
        context: EventContext,
        membership_id: str,
        role_slugs: Sequence[str],
        role_field: str = "role_slugs",
    ) -> Committed[OrganizationMembership]:
        membership = self.store.get_membership(membership_id)
        roles = self._roles(membership.organization_id, role_slugs, role_field)
        if roles != membership.role_slugs:
            membership.change_roles(roles, context.for_organization(membership.organization_id))
        return self.store.commit(membership, membership)

    @retry_on_conflict
    def deactivate_membership(
        self, context: EventContext, membership_id: str
    ) -> Committed[OrganizationMembership]:
        membership = self.store.get_membership(membership_id)
        membership.deactivate(context.for_organization(membership.organization_id))
        return self.store.commit(membership, membership)

    @retry_on_conflict
    def reactivate_membership(
        self, context: EventContext, membership_id: str
    ) -> Committed[OrganizationMembership]:
        membership = self.store.get_membership(membership_id)
        membership.reactivate(context.for_organization(membership.organization_id))
        return self.store.commit(membership, membership)

    @retry_on_conflict
    def delete_membership(
        self, context: EventContext, membership_id: str
    ) -> Committed[OrganizationMembership]:
        """With its role assignments and group links."""
        membership = self.store.get_membership(membership_id)
        return self.store.commit(membership, self.cascades.membership(membership, context))
