"""Use cases of resources and of the roles memberships hold on them (role assignments)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.authorization_schema import ROOT_TYPE
from domain.errors import Conflict, Invalid, NotFound
from domain.events import EventContext
from domain.resources import Resource, new_resource_id, root_resource_id
from domain.role_assignments import RoleAssignment, new_assignment_id
from domain.services import claims
from domain.services.cascades import Cascades
from domain.services.ports import AccessIndex
from domain.services.role_rules import existing_role
from domain.store import Committed, EventStore, retry_on_conflict


@dataclass(frozen=True)
class ResourceService:
    store: EventStore
    cascades: Cascades
    access: AccessIndex

    # Finding ----------------------------------------------------------------

    def get_resource_by_external_id(
        self, organization_id: str, resource_type_slug: str, external_id: str
    ) -> Resource:
        owner = self.store.owner(
            claims.RESOURCE, claims.resource_key(organization_id, resource_type_slug, external_id)
        )
        if owner is None:
            raise NotFound(
                f"Resource not found: '{external_id}' of type '{resource_type_slug}' in"
                f" '{organization_id}'."
            )
        return self.store.get_resource(owner)

    def find_resource(
        self,
        organization_id: str | None,
        resource_id: str | None = None,
        external_id: str | None = None,
        resource_type_slug: str | None = None,
    ) -> Resource:
        """By id, or by the (organization, type, external id) triple."""
        if resource_id is not None:
            return self.store.get_resource(resource_id)
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
        allowed = self.store.get_schema().parents_of(resource_type_slug)
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
        """Under the named parent, or under the organization's root."""
        self.store.get_organization(organization_id)
        context = context.for_organization(organization_id)
        schema = self.store.get_schema()
        if resource_type_slug == ROOT_TYPE or not schema.has_type(resource_type_slug):
            raise Invalid(
                f"Resource type '{resource_type_slug}' does not exist.",
                code="resource_type_not_found",
                field="resource_type_slug",
            )
        if parent_resource_id is None and parent_resource_external_id is None:
            parent = self.store.get_resource(root_resource_id(organization_id))
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
        claim = self.store.take(
            claims.RESOURCE,
            claims.resource_key(organization_id, resource_type_slug, external_id),
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
        return self.store.commit(resource, resource, claim)

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
        """Only what is given changes; ``describe`` says whether ``description`` was given."""
        resource = self.store.get_resource(resource.id)  # fresh, for a retry
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
        return self.store.commit(resource, resource)

    def _ancestry(self, resource: Resource) -> list[str]:
        """``resource`` and its ancestors up to the root (at most a handful: depth is bounded)."""
        chain = [resource.id]
        while resource.parent_resource_id is not None:
            resource = self.store.get_resource(resource.parent_resource_id)
            chain.append(resource.id)
        return chain

    @retry_on_conflict
    def delete_resource(
        self, context: EventContext, resource: Resource, *, cascade: bool
    ) -> Committed[Resource]:
        """Refused while it has descendants or role assignments, unless ``cascade``."""
        resource = self.store.get_resource(resource.id)
        if resource.is_root:
            raise Conflict(
                "The organization's root resource is deleted with the organization.",
                code="organization_resource_immutable",
            )
        context = context.for_organization(resource.organization_id)
        below = self.access.descendant_ids(resource.id)
        subtree = [resource.id, *below]
        assignments = self.access.assignment_ids(resource_ids=subtree)
        group_assignments = self.access.group_role_assignment_ids(resource_ids=subtree)
        if (below or assignments or group_assignments) and not cascade:
            raise Conflict(
                f"Resource '{resource.id}' has {len(below)} descendant resources and"
                f" {len(assignments) + len(group_assignments)} "
                "role assignments; delete them first or pass cascade_delete=true.",
                code="resource_has_dependents",
            )
        removed = self.cascades.role_assignments(context, assignments)
        removed += self.cascades.group_role_assignments(context, group_assignments)
        removed += self.cascades.resources(context, [*below, resource.id])
        return self.store.commit(resource, removed)

    # Role assignments -------------------------------------------------------

    @retry_on_conflict
    def assign_role(
        self, context: EventContext, membership_id: str, *, role_slug: str, resource: Resource
    ) -> Committed[RoleAssignment]:
        """A resource-scoped role of the resource's type, held by the membership on it."""
        membership = self.store.get_membership(membership_id)
        context = context.for_organization(membership.organization_id)
        if resource.organization_id != membership.organization_id:
            raise NotFound(f"Resource not found in the membership's organization: '{resource.id}'.")
        role = existing_role(
            self.store.get_schema(),
            self.store.get_organization_roles(membership.organization_id),
            role_slug,
        )
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
        claim = self.store.take(
            claims.ROLE_ASSIGNMENT,
            claims.role_assignment_key(membership_id, role_slug, resource.id),
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
        return self.store.commit(assignment, assignment, claim)

    def get_role_assignment(self, membership_id: str, assignment_id: str) -> RoleAssignment:
        assignment = self.store.load(RoleAssignment, assignment_id, "Role assignment")
        if assignment.organization_membership_id != membership_id:
            raise NotFound(f"Role assignment not found: '{assignment_id}'.")
        return assignment

    @retry_on_conflict
    def remove_role_assignment(
        self, context: EventContext, membership_id: str, assignment_id: str
    ) -> Committed[RoleAssignment]:
        assignment = self.get_role_assignment(membership_id, assignment_id)
        context = context.for_organization(assignment.organization_id)
        return self.store.commit(
            assignment, self.cascades.role_assignments(context, [assignment.id])
        )

    @retry_on_conflict
    def remove_role(
        self, context: EventContext, membership_id: str, *, role_slug: str, resource: Resource
    ) -> Committed[RoleAssignment]:
        """Remove the assignment of the role on the resource; NotFound when there is none."""
        owner = self.store.owner(
            claims.ROLE_ASSIGNMENT,
            claims.role_assignment_key(membership_id, role_slug, resource.id),
        )
        if owner is None:
            raise NotFound(
                f"Membership '{membership_id}' holds no '{role_slug}' on '{resource.id}'."
            )
        return self.remove_role_assignment(context, membership_id, owner)
