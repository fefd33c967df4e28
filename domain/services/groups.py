"""Use cases of groups: the groups themselves, their members, and the roles they hold.

Which links and assignments a change replaces is asked of the read side (``AccessIndex``);
removals go through ``Cascades`` like every other, each an event of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.errors import Conflict, Invalid, NotFound
from domain.events import EventContext, IdgovAggregate
from domain.groups import (
    Group,
    GroupMember,
    GroupRoleAssignment,
    new_group_id,
    new_group_role_assignment_id,
    new_member_id,
)
from domain.resources import Resource, root_resource_id
from domain.services import claims
from domain.services.cascades import Cascades
from domain.services.ports import AccessIndex
from domain.services.role_rules import existing_role
from domain.store import Committed, EventStore, retry_on_conflict


@dataclass(frozen=True)
class RoleOn:
    """A role on a resource, as the API names it; no resource means the organization."""

    role_slug: str
    resource: Resource | None = None


@dataclass(frozen=True)
class GroupService:
    store: EventStore
    cascades: Cascades
    access: AccessIndex

    # Groups -----------------------------------------------------------------

    def get_group(self, group_id: str, organization_id: str | None = None) -> Group:
        """The group, which must belong to ``organization_id`` when one is given."""
        group = self.store.load(Group, group_id, "Group")
        if organization_id is not None and group.organization_id != organization_id:
            raise NotFound(f"Group not found: '{group_id}'.")
        return group

    @retry_on_conflict
    def create_group(
        self,
        context: EventContext,
        *,
        organization_id: str,
        name: str,
        description: str | None = None,
    ) -> Committed[Group]:
        self.store.get_organization(organization_id)
        group = Group(
            id=new_group_id(),
            organization_id=organization_id,
            name=name,
            description=description,
            context=context.for_organization(organization_id),
        )
        return self.store.commit(group, group)

    @retry_on_conflict
    def update_group(
        self,
        context: EventContext,
        organization_id: str,
        group_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        describe: bool = False,
    ) -> Committed[Group]:
        """Only what is given changes; ``describe`` says whether ``description`` was given."""
        group = self.get_group(group_id, organization_id)
        context = context.for_organization(organization_id)
        if name is not None:
            group.rename(name, context)
        if describe:
            group.describe(description, context)
        return self.store.commit(group, group)

    @retry_on_conflict
    def delete_group(
        self, context: EventContext, organization_id: str, group_id: str
    ) -> Committed[Group]:
        group = self.get_group(group_id, organization_id)
        context = context.for_organization(organization_id)
        return self.store.commit(group, self.cascades.group(group, context, with_members=True))

    # Members ----------------------------------------------------------------

    def _member_in(self, group: Group, membership_id: str) -> None:
        membership = self.store.get_membership(membership_id)
        if membership.organization_id != group.organization_id:
            raise Invalid(
                f"Organization membership '{membership_id}' belongs to another organization than"
                f" group '{group.id}'.",
                code="organization_membership_not_in_organization",
                field="organization_membership_id",
            )

    def _link_of(self, group_id: str, membership_id: str) -> str | None:
        return self.store.owner(
            claims.GROUP_MEMBER, claims.group_member_key(group_id, membership_id)
        )

    def _add(self, group: Group, membership_id: str, context: EventContext) -> list[IdgovAggregate]:
        """Link a membership to the group; nothing when it is already a member."""
        self._member_in(group, membership_id)
        if self._link_of(group.id, membership_id) is not None:
            return []
        link = GroupMember(
            id=new_member_id(),
            group_id=group.id,
            organization_membership_id=membership_id,
            organization_id=group.organization_id,
            context=context,
        )
        claim = self.store.take(
            claims.GROUP_MEMBER,
            claims.group_member_key(group.id, membership_id),
            link.id,
            context,
            Conflict("unreachable"),
        )
        return [link, claim]

    @retry_on_conflict
    def add_group_member(
        self, context: EventContext, organization_id: str, group_id: str, membership_id: str
    ) -> Committed[Group]:
        """Adding a member twice succeeds and changes nothing the second time."""
        group = self.get_group(group_id, organization_id)
        context = context.for_organization(organization_id)
        return self.store.commit(group, self._add(group, membership_id, context))

    @retry_on_conflict
    def remove_group_member(
        self, context: EventContext, organization_id: str, group_id: str, membership_id: str
    ) -> Committed[Group]:
        group = self.get_group(group_id, organization_id)
        link_id = self._link_of(group.id, membership_id)
        if link_id is None:
            raise NotFound(
                f"Organization membership '{membership_id}' is not a member of group '{group_id}'."
            )
        context = context.for_organization(organization_id)
        return self.store.commit(group, self.cascades.group_links(context, [link_id]))

    @retry_on_conflict
    def change_group_members(
        self,
        context: EventContext,
        organization_id: str,
        group_id: str,
        *,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
    ) -> Committed[Group]:
        """Add and remove members at once: members added again and non-members removed are
        skipped; a membership in both lists is refused."""
        group = self.get_group(group_id, organization_id)
        both = sorted(set(add) & set(remove))
        if both:
            raise Invalid(
                f"Organization memberships both added and removed: {', '.join(both)}.",
                code="add_and_remove_overlap",
                field="remove",
            )
        context = context.for_organization(organization_id)
        changed: list[IdgovAggregate] = []
        for membership_id in dict.fromkeys(add):
            changed += self._add(group, membership_id, context)
        links = [self._link_of(group.id, m) for m in dict.fromkeys(remove)]
        changed += self.cascades.group_links(context, [link for link in links if link is not None])
        return self.store.commit(group, changed)

    # Role assignments -------------------------------------------------------

    def _target(self, group: Group, role_on: RoleOn) -> Resource:
        """Where the role is held (the root for organization-level roles), once it fits there."""
        resource = role_on.resource or self.store.get_resource(
            root_resource_id(group.organization_id)
        )
        if resource.organization_id != group.organization_id:
            raise NotFound(f"Resource not found in the group's organization: '{resource.id}'.")
        role = existing_role(
            self.store.get_schema(),
            self.store.get_organization_roles(group.organization_id),
            role_on.role_slug,
        )
        if role.resource_type_slug != resource.resource_type_slug:
            where = (
                f"resource type '{resource.resource_type_slug}'"
                if role_on.resource is not None
                else "the organization (name a resource for a resource-scoped role)"
            )
            raise Invalid(
                f"Role '{role.slug}' is scoped to '{role.resource_type_slug}', not to {where}.",
                code="role_resource_type_mismatch",
                field="role_slug",
            )
        return resource

    def _assignment_of(self, group_id: str, role_slug: str, resource_id: str) -> str | None:
        return self.store.owner(
            claims.GROUP_ROLE_ASSIGNMENT,
            claims.group_assignment_key(group_id, role_slug, resource_id),
        )

    def _assign(
        self, group: Group, role_slug: str, resource: Resource, context: EventContext
    ) -> tuple[GroupRoleAssignment, list[IdgovAggregate]]:
        assignment = GroupRoleAssignment(
            id=new_group_role_assignment_id(),
            group_id=group.id,
            organization_id=group.organization_id,
            role_slug=role_slug,
            resource_id=resource.id,
            context=context,
        )
        conflict = Conflict(
            f"Group '{group.id}' already holds '{role_slug}' on '{resource.id}'.",
            code="duplicate_group_role_assignment",
        )
        claim = self.store.take(
            claims.GROUP_ROLE_ASSIGNMENT,
            claims.group_assignment_key(group.id, role_slug, resource.id),
            assignment.id,
            context,
            conflict,
        )
        return assignment, [assignment, claim]

    @retry_on_conflict
    def assign_group_role(
        self, context: EventContext, group_id: str, role_on: RoleOn
    ) -> Committed[GroupRoleAssignment]:
        group = self.get_group(group_id)
        context = context.for_organization(group.organization_id)
        resource = self._target(group, role_on)
        assignment, created = self._assign(group, role_on.role_slug, resource, context)
        return self.store.commit(assignment, created)

    def get_group_role_assignment(self, group_id: str, assignment_id: str) -> GroupRoleAssignment:
        assignment = self.store.load(GroupRoleAssignment, assignment_id, "Group role assignment")
        if assignment.group_id != group_id:
            raise NotFound(f"Group role assignment not found: '{assignment_id}'.")
        return assignment

    @retry_on_conflict
    def remove_group_role_assignment(
        self, context: EventContext, group_id: str, assignment_id: str
    ) -> Committed[GroupRoleAssignment]:
        assignment = self.get_group_role_assignment(group_id, assignment_id)
        context = context.for_organization(assignment.organization_id)
        return self.store.commit(
            assignment, self.cascades.group_role_assignments(context, [assignment.id])
        )

    @retry_on_conflict
    def remove_group_role(
        self, context: EventContext, group_id: str, role_on: RoleOn
    ) -> Committed[GroupRoleAssignment]:
        """Remove the assignment matching the role and resource; NotFound when there is none."""
        group = self.get_group(group_id)
        resource = role_on.resource or self.store.get_resource(
            root_resource_id(group.organization_id)
        )
        assignment_id = self._assignment_of(group.id, role_on.role_slug, resource.id)
        if assignment_id is None:
            raise NotFound(f"Group '{group_id}' holds no '{role_on.role_slug}' on '{resource.id}'.")
        return self.remove_group_role_assignment(context, group_id, assignment_id)

    @retry_on_conflict
    def replace_group_roles(
        self, context: EventContext, group_id: str, wanted: Sequence[RoleOn]
    ) -> Committed[Group]:
        """Make the group hold exactly ``wanted``: listed assignments that exist are kept, the
        others created, and every unlisted one removed."""
        group = self.get_group(group_id)
        context = context.for_organization(group.organization_id)
        targets = {}
        for role_on in wanted:
            resource = self._target(group, role_on)
            targets[claims.group_assignment_key(group.id, role_on.role_slug, resource.id)] = (
                role_on.role_slug,
                resource,
            )
        current = self.access.group_role_assignment_ids(group_id=group.id)
        unlisted = []
        for assignment_id in current:
            try:
                held = self.get_group_role_assignment(group.id, assignment_id)
            except NotFound:
                continue
            if (
                claims.group_assignment_key(group.id, held.role_slug, held.resource_id)
                not in targets
            ):
                unlisted.append(held.id)
        changed = self.cascades.group_role_assignments(context, unlisted)
        for role_slug, resource in targets.values():
            if self._assignment_of(group.id, role_slug, resource.id) is None:
                changed += self._assign(group, role_slug, resource, context)[1]
        return self.store.commit(group, changed)

    @retry_on_conflict
    def change_group_roles(
        self,
        context: EventContext,
        group_id: str,
        *,
        add: Sequence[RoleOn] = (),
        remove: Sequence[RoleOn] = (),
    ) -> Committed[Group]:
        """Add and remove assignments at once: existing ones added again and removals that match
        nothing are skipped; an assignment in both lists is refused."""
        group = self.get_group(group_id)
        context = context.for_organization(group.organization_id)
        adding = {}
        for role_on in add:
            resource = self._target(group, role_on)
            adding[(role_on.role_slug, resource.id)] = resource
        root = root_resource_id(group.organization_id)
        removing = {(r.role_slug, r.resource.id if r.resource else root) for r in remove}
        both = sorted(f"{role} on {where}" for role, where in set(adding) & removing)
        if both:
            raise Invalid(
                f"Role assignments both added and removed: {', '.join(both)}.",
                code="add_and_remove_overlap",
                field="remove",
            )
        changed: list[IdgovAggregate] = []
        for (role_slug, resource_id), resource in adding.items():
            if self._assignment_of(group.id, role_slug, resource_id) is None:
                changed += self._assign(group, role_slug, resource, context)[1]
        found = [self._assignment_of(group.id, role, where) for role, where in sorted(removing)]
        changed += self.cascades.group_role_assignments(
            context, [a for a in found if a is not None]
        )
        return self.store.commit(group, changed)
