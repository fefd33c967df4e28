"""What a deletion takes with it.

Deleting an organization, a user, a membership, a group or a resource removes what hangs on
it, each removal an event of its own, saved in the same commit as the deletion. Which
dependents exist is asked of the read side (``ports``); each one is then loaded and removed
here, and the unique values it held are released. A dependent already gone is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from domain.errors import NotFound
from domain.events import EventContext, IdgovAggregate
from domain.groups import Group, GroupMember, GroupRoleAssignment
from domain.memberships import OrganizationMembership
from domain.resources import Resource, root_resource_id
from domain.role_assignments import RoleAssignment
from domain.services import claims
from domain.services.ports import AccessIndex, MembershipIndex
from domain.store import A, EventStore

Removed = list[IdgovAggregate]


@dataclass(frozen=True)
class Cascades:
    store: EventStore
    access: AccessIndex
    membership_index: MembershipIndex

    def _each(self, ids: Iterable[str], cls: type[A], remove: Callable[[A], Removed]) -> Removed:
        """``remove`` applied to each live aggregate of these ids; the others are skipped."""
        removed: Removed = []
        for aggregate_id in ids:
            try:
                aggregate = self.store.load(cls, aggregate_id, cls.__name__)
            except NotFound:
                continue
            removed += remove(aggregate)
        return removed

    def _claimed(
        self,
        context: EventContext,
        ids: Iterable[str],
        cls: type[A],
        kind: str,
        key_of: Callable[[A], str],
        end: Callable[[A, EventContext], None],
    ) -> Removed:
        """Remove each aggregate (``end``) and release the unique value it held."""

        def remove(aggregate: A) -> Removed:
            end(aggregate, context)
            return [aggregate, *self.store.release(kind, key_of(aggregate), aggregate.id, context)]

        return self._each(ids, cls, remove)

    # Memberships --------------------------------------------------------------

    def memberships(self, context: EventContext, **owner: str) -> Removed:
        """Every membership of an organization (``organization_id=``) or a user
        (``user_id=``), with its role assignments and group links."""
        return self._each(
            self.membership_index.membership_ids(**owner),
            OrganizationMembership,
            lambda membership: self.membership(membership, context),
        )

    def membership(self, membership: OrganizationMembership, context: EventContext) -> Removed:
        context = context.for_organization(membership.organization_id)
        removed = self.role_assignments(
            context, self.access.assignment_ids(membership_id=membership.id)
        )
        removed += self.group_links(
            context, self.access.group_member_ids(membership_id=membership.id)
        )
        membership.delete(context)
        key = claims.membership_key(membership.user_id, membership.organization_id)
        return [
            *removed,
            membership,
            *self.store.release(claims.MEMBERSHIP, key, membership.id, context),
        ]

    # Resources and role assignments -----------------------------------------------

    def resources(self, context: EventContext, resource_ids: Iterable[str]) -> Removed:
        return self._claimed(
            context,
            resource_ids,
            Resource,
            claims.RESOURCE,
            lambda r: claims.resource_key(r.organization_id, r.resource_type_slug, r.external_id),
            lambda resource, ctx: resource.delete(ctx),
        )

    def organization_resources(self, context: EventContext, organization_id: str) -> Removed:
        """An organization's resources, deepest first and the root last. (Its assignments go
        with its memberships.)"""
        below = self.access.resource_ids_of_organization(organization_id)
        return self.resources(context, [*below, root_resource_id(organization_id)])

    def role_assignments(self, context: EventContext, assignment_ids: Iterable[str]) -> Removed:
        return self._claimed(
            context,
            assignment_ids,
            RoleAssignment,
            claims.ROLE_ASSIGNMENT,
            lambda a: claims.role_assignment_key(
                a.organization_membership_id, a.role_slug, a.resource_id
            ),
            lambda removed, ctx: removed.remove(ctx),
        )

    # Groups -------------------------------------------------------------------

    def group(self, group: Group, context: EventContext, *, with_members: bool) -> Removed:
        removed: Removed = []
        if with_members:
            removed += self.group_links(context, self.access.group_member_ids(group_id=group.id))
        removed += self.group_role_assignments(
            context, self.access.group_role_assignment_ids(group_id=group.id)
        )
        group.delete(context)
        return [*removed, group]

    def organization_groups(self, context: EventContext, organization_id: str) -> Removed:
        """Every member of a group is a membership of the same organization, and the
        organization's memberships are removed first, each with its links: what is left to
        remove is the groups and their role assignments."""
        return self._each(
            self.access.group_ids_of_organization(organization_id),
            Group,
            lambda group: self.group(group, context, with_members=False),
        )

    def group_links(self, context: EventContext, link_ids: Iterable[str]) -> Removed:
        return self._claimed(
            context,
            link_ids,
            GroupMember,
            claims.GROUP_MEMBER,
            lambda link: claims.group_member_key(link.group_id, link.organization_membership_id),
            lambda removed, ctx: removed.remove(ctx),
        )

    def group_role_assignments(
        self, context: EventContext, assignment_ids: Iterable[str]
    ) -> Removed:
        return self._claimed(
            context,
            assignment_ids,
            GroupRoleAssignment,
            claims.GROUP_ROLE_ASSIGNMENT,
            lambda a: claims.group_assignment_key(a.group_id, a.role_slug, a.resource_id),
            lambda removed, ctx: removed.remove(ctx),
        )

    # Custom roles ---------------------------------------------------------------

    def organization_roles(self, context: EventContext, organization_id: str) -> Removed:
        roles = self.store.get_organization_roles(organization_id)
        if roles is None:
            return []
        roles.delete_all(context)
        return [roles]
