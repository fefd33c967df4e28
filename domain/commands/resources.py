"""Use cases of resources and of role assignments on them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from domain.authorization_schema import ROOT_TYPE, Role
from domain.commands.base import Commands, Committed, retry_on_conflict
from domain.errors import Conflict, Invalid, NotFound
from domain.events import EventContext, IdgovAggregate
from domain.resources import Resource, new_resource_id, root_resource_id
from domain.role_assignments import RoleAssignment, new_assignment_id


class AccessIndex(Protocol):
    """Answers from the access read model (once it has seen every commit) what cascades touch."""

    def descendant_ids(self, resource_id: str) -> list[str]:
        """Resources below ``resource_id``, deepest first."""
        ...

    def resource_ids_of_organization(self, organization_id: str) -> list[str]:
        """Every non-root resource of the organization, deepest first."""
        ...

    def assignment_ids(
        self, *, resource_ids: list[str] | None = None, membership_id: str | None = None
    ) -> list[str]: ...

    def group_ids_of_organization(self, organization_id: str) -> list[str]: ...

    def group_member_ids(
        self, *, group_id: str | None = None, membership_id: str | None = None
    ) -> list[str]:
        """The links (``GroupMember`` ids) of a group, or of a membership."""
        ...

    def group_role_assignment_ids(
        self, *, group_id: str | None = None, resource_ids: list[str] | None = None
    ) -> list[str]: ...


def _external_key(organization_id: str, resource_type_slug: str, external_id: str) -> str:
    return f"{organization_id}/{resource_type_slug}/{external_id}"


class ResourceCommands(Commands):
    access_index: AccessIndex | None = None

    def _access(self) -> AccessIndex:
        if self.access_index is None:
            raise RuntimeError("ResourceCommands.access_index is not wired")
        return self.access_index

    # Loading ----------------------------------------------------------------

    def get_resource(self, resource_id: str) -> Resource:
        return self._load(Resource, resource_id, "Resource")

    def get_resource_by_external_id(
        self, organization_id: str, resource_type_slug: str, external_id: str
    ) -> Resource:
        claim = self._claim(
            "resource", _external_key(organization_id, resource_type_slug, external_id)
        )
        if claim is None or claim.owner_id is None:
            raise NotFound(
                f"Resource not found: '{external_id}' of type '{resource_type_slug}' in"
                f" '{organization_id}'."
            )
        return self.get_resource(claim.owner_id)

    def find_resource(
        self,
        organization_id: str | None,
        resource_id: str | None = None,
        external_id: str | None = None,
        resource_type_slug: str | None = None,
    ) -> Resource:
        """By id, or by the (organization, type, external id) triple."""
        if resource_id is not None:
            return self.get_resource(resource_id)
        assert organization_id
        assert resource_type_slug
        assert external_id is not None
        return self.get_resource_by_external_id(organization_id, resource_type_slug, external_id)

    # Resources --------------------------------------------------------------

    def _check_parent(
        self, resource_type_slug: str, organization_id: str, parent: Resource
    ) -> None:
        if parent.organization_id != organization_id:
            raise Invalid(
                "The parent resource belongs to another organization.",
                code="invalid_parent_resource",
                field="parent_resource_id",
            )
        allowed = self.get_schema().parents_of(resource_type_slug)
        if parent.resource_type_slug not in allowed:
            raise Invalid(
                f"A '{resource_type_slug}' cannot be placed under a '{parent.resource_type_slug}' "
                f"(allowed parent types: {', '.join(allowed)}).",
                code="invalid_parent_resource_type",
                field="parent_resource_id",
            )

    @retry_on_conflict
    def create_resource(
        self,
        context: EventContext,
        *,
        organization_id: str,
        resource_type_slug: str,
        external_id: str,
        name: str,
        description: str | None = None,
        parent_resource_id: str | None = None,
        parent_resource_external_id: str | None = None,
        parent_resource_type_slug: str | None = None,
    ) -> Committed[Resource]:
        self.get_organization(organization_id)
        context = context.for_organization(organization_id)
        schema = self.get_schema()
        if resource_type_slug == ROOT_TYPE or not schema.has_type(resource_type_slug):
            raise Invalid(
                f"Resource type '{resource_type_slug}' does not exist.",
                code="resource_type_not_found",
                field="resource_type_slug",
            )
        if parent_resource_id is None and parent_resource_external_id is None:
            parent = self.get_resource(root_resource_id(organization_id))
        else:
            parent = self.find_resource(
                organization_id,
                parent_resource_id,
                parent_resource_external_id,
                parent_resource_type_slug,
            )
        self._check_parent(resource_type_slug, organization_id, parent)
        resource_id = new_resource_id()
        conflict = Conflict(
            f"A '{resource_type_slug}' with external id '{external_id}' already exists in this"
            " organization.",
            code="authorization_resource_external_id_conflict",
        )
        claim = self._take(
            "resource",
            _external_key(organization_id, resource_type_slug, external_id),
            resource_id,
            context,
            conflict,
        )
        resource = Resource(
            id=resource_id,
            organization_id=organization_id,
            resource_type_slug=resource_type_slug,
            external_id=external_id,
            name=name,
            description=description,
            parent_resource_id=parent.id,
            context=context,
        )
        return self._commit(resource, resource, claim)

    @retry_on_conflict
    def update_resource(
        self,
        context: EventContext,
        resource: Resource,
        *,
        name: str | None = None,
        description: str | None = None,
        describe: bool = False,
        parent_resource_id: str | None = None,
        parent_resource_external_id: str | None = None,
        parent_resource_type_slug: str | None = None,
    ) -> Committed[Resource]:
        resource = self.get_resource(resource.id)  # fresh, for a retry after a concurrent change
        context = context.for_organization(resource.organization_id)
        if name is not None:
            resource.rename(name, context)
        if describe:
            resource.describe(description, context)
        if parent_resource_id is not None or parent_resource_external_id is not None:
            parent = self.find_resource(
                resource.organization_id,
                parent_resource_id,
                parent_resource_external_id,
                parent_resource_type_slug,
            )
            self._check_parent(resource.resource_type_slug, resource.organization_id, parent)
            if resource.id in self._ancestry(parent):
                raise Invalid(
                    "A resource cannot be moved under itself or one of its descendants.",
                    code="resource_cycle",
                    field="parent_resource_id",
                )
            resource.move(parent.id, context)
        return self._commit(resource, resource)

    def _ancestry(self, resource: Resource) -> list[str]:
        """``resource`` and its ancestors up to the root (at most a handful: depth is bounded)."""
        chain = [resource.id]
        while resource.parent_resource_id is not None:
            resource = self.get_resource(resource.parent_resource_id)
            chain.append(resource.id)
        return chain

    @retry_on_conflict
    def delete_resource(
        self, context: EventContext, resource: Resource, *, cascade: bool
    ) -> Committed[Resource]:
        resource = self.get_resource(resource.id)
        if resource.is_root:
            raise Conflict(
                "The organization's root resource is deleted with the organization.",
                code="organization_resource_immutable",
            )
        context = context.for_organization(resource.organization_id)
        below = self._access().descendant_ids(resource.id)
        assignments = self._access().assignment_ids(resource_ids=[resource.id, *below])
        group_assignments = self._access().group_role_assignment_ids(
            resource_ids=[resource.id, *below]
        )
        if (below or assignments or group_assignments) and not cascade:
            raise Conflict(
                f"Resource '{resource.id}' has {len(below)} descendant resources and"
                f" {len(assignments) + len(group_assignments)} "
                "role assignments; delete them first or pass cascade_delete=true.",
                code="resource_has_dependents",
            )
        removed = self._remove_assignments(context, assignments)
        removed += self._remove_group_assignments(context, group_assignments)
        removed += self._remove_resources(context, [*below, resource.id])
        return self._commit(resource, removed)

    def _remove_resources(
        self, context: EventContext, resource_ids: Iterable[str]
    ) -> list[IdgovAggregate]:
        removed: list[IdgovAggregate] = []
        for resource_id in resource_ids:
            try:
                resource = self.get_resource(resource_id)
            except NotFound:
                continue
            resource.delete(context)
            key = _external_key(
                resource.organization_id, resource.resource_type_slug, resource.external_id
            )
            removed += [resource, *self._release("resource", key, resource.id, context)]
        return removed

    def _remove_assignments(
        self, context: EventContext, assignment_ids: Iterable[str]
    ) -> list[IdgovAggregate]:
        removed: list[IdgovAggregate] = []
        for assignment_id in assignment_ids:
            try:
                assignment = self._load(RoleAssignment, assignment_id, "Role assignment")
            except NotFound:
                continue
            assignment.remove(context)
            key = _assignment_key(
                assignment.organization_membership_id, assignment.role_slug, assignment.resource_id
            )
            removed += [assignment, *self._release("role_assignment", key, assignment.id, context)]
        return removed

    def _organization_resources(
        self, context: EventContext, organization_id: str
    ) -> list[IdgovAggregate]:
        """An organization's resources, deepest first and the root last. (Its assignments go
        with its memberships.)"""
        resource_ids = self._access().resource_ids_of_organization(organization_id)
        return self._remove_resources(context, [*resource_ids, root_resource_id(organization_id)])

    def _membership_assignments(
        self, context: EventContext, membership_id: str
    ) -> list[IdgovAggregate]:
        return self._remove_assignments(
            context, self._access().assignment_ids(membership_id=membership_id)
        )

    # Role assignments -------------------------------------------------------

    def _role(self, organization_id: str, role_slug: str) -> Role:
        """An environment role, or a custom role of the organization."""
        role = self._resolve_role(organization_id, role_slug)
        if role is None:
            raise Invalid(
                f"Role '{role_slug}' does not exist.", code="invalid_role", field="role_slug"
            )
        return role

    @retry_on_conflict
    def assign_role(
        self, context: EventContext, membership_id: str, *, role_slug: str, resource: Resource
    ) -> Committed[RoleAssignment]:
        membership = self.get_membership(membership_id)
        context = context.for_organization(membership.organization_id)
        if resource.organization_id != membership.organization_id:
            raise NotFound(f"Resource not found in the membership's organization: '{resource.id}'.")
        role = self._role(membership.organization_id, role_slug)
        if role.resource_type_slug == ROOT_TYPE:
            raise Invalid(
                f"'{role_slug}' is an organization-level role: set it on the membership"
                " (role_slug/role_slugs).",
                code="organization_role_not_assignable",
                field="role_slug",
            )
        if role.resource_type_slug != resource.resource_type_slug:
            raise Invalid(
                f"Role '{role_slug}' is scoped to '{role.resource_type_slug}', not"
                f" '{resource.resource_type_slug}'.",
                code="role_resource_type_mismatch",
                field="role_slug",
            )
        assignment_id = new_assignment_id()
        conflict = Conflict(
            f"Membership '{membership_id}' already holds '{role_slug}' on '{resource.id}'.",
            code="duplicate_role_assignment",
        )
        claim = self._take(
            "role_assignment",
            _assignment_key(membership_id, role_slug, resource.id),
            assignment_id,
            context,
            conflict,
        )
        assignment = RoleAssignment(
            id=assignment_id,
            organization_membership_id=membership_id,
            organization_id=membership.organization_id,
            role_slug=role_slug,
            resource_id=resource.id,
            context=context,
        )
        return self._commit(assignment, assignment, claim)

    def get_role_assignment(self, membership_id: str, assignment_id: str) -> RoleAssignment:
        assignment = self._load(RoleAssignment, assignment_id, "Role assignment")
        if assignment.organization_membership_id != membership_id:
            raise NotFound(f"Role assignment not found: '{assignment_id}'.")
        return assignment

    @retry_on_conflict
    def remove_role_assignment(
        self, context: EventContext, membership_id: str, assignment_id: str
    ) -> Committed[RoleAssignment]:
        assignment = self.get_role_assignment(membership_id, assignment_id)
        context = context.for_organization(assignment.organization_id)
        return self._commit(assignment, self._remove_assignments(context, [assignment.id]))

    @retry_on_conflict
    def remove_role(
        self, context: EventContext, membership_id: str, *, role_slug: str, resource: Resource
    ) -> Committed[RoleAssignment]:
        claim = self._claim(
            "role_assignment", _assignment_key(membership_id, role_slug, resource.id)
        )
        if claim is None or claim.owner_id is None:
            raise NotFound(
                f"Membership '{membership_id}' holds no '{role_slug}' on '{resource.id}'."
            )
        return self.remove_role_assignment(context, membership_id, claim.owner_id)


def _assignment_key(membership_id: str, role_slug: str, resource_id: str) -> str:
    return f"{membership_id}/{role_slug}/{resource_id}"
