"""Who holds a role, and what happens to them when the role goes or the rules change.

Shared by the deletion of environment roles and custom roles, and by the role settings:
a role in use on resources or by groups cannot be deleted; memberships holding a deleted
role move to their organization's default; turning multiple roles off keeps each
membership's highest role.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from domain.authorization_schema import AuthorizationSchema
from domain.errors import Conflict, NotFound
from domain.events import EventContext, IdgovAggregate
from domain.memberships import OrganizationMembership
from domain.organization_roles import OrganizationRoles, default_role_slug, effective_priority
from domain.services.ports import RoleIndex
from domain.store import EventStore


@dataclass(frozen=True)
class RoleHolders:
    store: EventStore
    index: RoleIndex

    def organization_roles(self, organization_ids: Iterable[str]) -> list[OrganizationRoles]:
        """The own roles of these organizations (those that have some)."""
        found = (self.store.get_organization_roles(o) for o in dict.fromkeys(organization_ids))
        return [f for f in found if f is not None]

    def refuse_while_used(self, slug: str, organization_id: str | None) -> None:
        assignments = self.index.role_assignment_ids(slug, organization_id)
        if assignments:
            raise Conflict(
                f"Role '{slug}' is assigned on resources ({len(assignments)} assignments);"
                " remove them first.",
                code="role_has_assignments",
            )
        mappings = self.index.group_role_mapping_ids(slug, organization_id)
        if mappings:
            raise Conflict(
                f"Groups hold role '{slug}' ({len(mappings)} group role assignments); remove"
                " them first.",
                code="role_has_group_role_mappings",
            )

    def move_to_default(
        self,
        context: EventContext,
        slug: str,
        organization_id: str | None,
        schema: AuthorizationSchema,
    ) -> list[IdgovAggregate]:
        """Memberships holding a deleted role lose it. With one role per membership they move
        to the default role; with several they keep the others, or get the default if none is
        left."""
        moved: list[IdgovAggregate] = []
        ctx = replace(context, reason=context.reason or f"Role '{slug}' was deleted.")
        for membership in self._memberships(self.index.role_holder_ids(slug, organization_id)):
            if slug not in membership.role_slugs:
                continue
            organization = self.store.get_organization_roles(membership.organization_id)
            default = default_role_slug(schema, organization)
            assert default is not None, "every environment has a default role"
            assert default != slug, "a default role is never deleted"
            kept = tuple(r for r in membership.role_slugs if r != slug)
            roles = (kept or (default,)) if schema.multiple_roles else (default,)
            membership.change_roles(roles, ctx.for_organization(membership.organization_id))
            moved.append(membership)
        return moved

    def keep_highest(
        self, context: EventContext, schema: AuthorizationSchema
    ) -> list[IdgovAggregate]:
        """Each membership holding several roles keeps the one highest in its organization's
        priority order."""
        moved: list[IdgovAggregate] = []
        ctx = replace(context, reason=context.reason or "Multiple roles were turned off.")
        for membership in self._memberships(self.index.multi_role_membership_ids()):
            if len(membership.role_slugs) < 2:
                continue
            organization = self.store.get_organization_roles(membership.organization_id)
            order = [r.slug for r in effective_priority(schema, organization)]
            rank = {slug: index for index, slug in enumerate(order)}
            kept = min(membership.role_slugs, key=lambda s: rank.get(s, len(rank)))
            membership.change_roles((kept,), ctx.for_organization(membership.organization_id))
            moved.append(membership)
        return moved

    def _memberships(self, membership_ids: Iterable[str]) -> list[OrganizationMembership]:
        found = []
        for membership_id in dict.fromkeys(membership_ids):
            try:
                found.append(self.store.get_membership(membership_id))
            except NotFound:
                continue
        return found
