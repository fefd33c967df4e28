"""Use cases of roles beyond the schema: organizations' custom roles, default roles and priority
orders, role deletion, the multiple-roles setting, and which roles a membership may hold."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any, Protocol

from eventsourcing.application import AggregateNotFoundError

from domain.authorization_schema import ROOT_TYPE, AuthorizationSchema, Role
from domain.commands.base import Commands, Committed, retry_on_conflict
from domain.errors import Conflict, Invalid, NotFound
from domain.events import EventContext, IdgovAggregate
from domain.memberships import OrganizationMembership
from domain.organization_roles import (
    OrganizationRoles,
    default_role_slug,
    effective_priority,
    organization_roles_id,
    resolve,
)


class RoleIndex(Protocol):
    """Answers from the read side (once it has seen every commit) what role changes touch.

    ``organization_id=None`` means: in every organization where the slug names the
    environment role.
    """

    def organizations_with_custom_roles(
        self,
        *,
        slug: str | None = None,
        permission_slugs: list[str] | None = None,
        resource_type_slugs: list[str] | None = None,
    ) -> list[str]:
        """Organizations with a custom role of that slug, holding one of the permissions, or
        scoped to or holding a permission of one of the types."""
        ...

    def organizations_defaulting_to(self, role_slug: str) -> list[str]:
        """Organizations with a default role of their own, ``role_slug``."""
        ...

    def role_holder_ids(self, role_slug: str, organization_id: str | None = None) -> list[str]:
        """Memberships (any status) holding the role at organization level."""
        ...

    def role_assignment_ids(self, role_slug: str, organization_id: str | None = None) -> list[str]:
        """Direct role assignments of the role on resources."""
        ...

    def group_role_mapping_ids(
        self, role_slug: str, organization_id: str | None = None
    ) -> list[str]:
        """Groups' role assignments of the role."""
        ...

    def multi_role_membership_ids(self) -> list[str]:
        """Memberships holding more than one organization-level role."""
        ...


class RoleCommands(Commands):
    role_index: RoleIndex | None = None

    def _roles_index(self) -> RoleIndex:
        if self.role_index is None:
            raise RuntimeError("RoleCommands.role_index is not wired")
        return self.role_index

    # Loading ------------------------------------------------------------------

    def get_organization_roles(self, organization_id: str) -> OrganizationRoles | None:
        """The organization's own roles, or None while it uses the environment's."""
        try:
            found: OrganizationRoles = self.repository.get(organization_roles_id(organization_id))
        except AggregateNotFoundError:
            return None
        assert isinstance(found, OrganizationRoles)
        return found

    def _own_roles(
        self, organization_id: str, schema: AuthorizationSchema, context: EventContext
    ) -> OrganizationRoles:
        """The organization's own roles, customising it first if it has none yet."""
        self.get_organization(organization_id)
        found = self.get_organization_roles(organization_id)
        return found or OrganizationRoles.customise(organization_id, schema, context)

    def _custom_roles(self, organization_id: str) -> OrganizationRoles:
        self.get_organization(organization_id)
        found = self.get_organization_roles(organization_id)
        if found is None:
            raise NotFound(f"Organization '{organization_id}' has no custom roles.")
        return found

    def _load_organization_roles(self, organization_ids: Iterable[str]) -> list[OrganizationRoles]:
        found = (self.get_organization_roles(o) for o in dict.fromkeys(organization_ids))
        return [f for f in found if f is not None]

    # Custom roles ---------------------------------------------------------------

    @retry_on_conflict
    def create_organization_role(
        self,
        context: EventContext,
        organization_id: str,
        *,
        slug: str | None,
        name: str,
        description: str | None,
        resource_type_slug: str | None,
    ) -> Committed[Role]:
        context = context.for_organization(organization_id)
        schema = self.get_schema()
        roles = self._own_roles(organization_id, schema, context)
        role = roles.create_role(
            schema,
            context,
            slug=slug,
            name=name,
            description=description,
            resource_type_slug=resource_type_slug or ROOT_TYPE,
        )
        return self._commit(role, roles)

    def _change_custom_role(
        self,
        context: EventContext,
        organization_id: str,
        slug: str,
        change: Callable[[OrganizationRoles, AuthorizationSchema, EventContext], object],
    ) -> Committed[Role]:
        roles = self._custom_roles(organization_id)
        change(roles, self.get_schema(), context.for_organization(organization_id))
        return self._commit(roles.get_role(slug), roles)

    @retry_on_conflict
    def update_organization_role(
        self, context: EventContext, organization_id: str, slug: str, **changes: Any
    ) -> Committed[Role]:
        def change(roles: OrganizationRoles, _: AuthorizationSchema, ctx: EventContext) -> None:
            roles.change_role(
                slug,
                ctx,
                name=changes.get("name"),
                description=changes.get("description"),
                describe="description" in changes,
            )

        return self._change_custom_role(context, organization_id, slug, change)

    @retry_on_conflict
    def set_organization_role_permissions(
        self, context: EventContext, organization_id: str, slug: str, permissions: list[str]
    ) -> Committed[Role]:
        return self._change_custom_role(
            context,
            organization_id,
            slug,
            lambda roles, schema, ctx: roles.set_role_permissions(
                schema, slug, tuple(permissions), ctx
            ),
        )

    @retry_on_conflict
    def add_organization_role_permission(
        self, context: EventContext, organization_id: str, slug: str, permission: str
    ) -> Committed[Role]:
        return self._change_custom_role(
            context,
            organization_id,
            slug,
            lambda roles, schema, ctx: roles.add_role_permission(schema, slug, permission, ctx),
        )

    @retry_on_conflict
    def remove_organization_role_permission(
        self, context: EventContext, organization_id: str, slug: str, permission: str
    ) -> Committed[Role]:
        return self._change_custom_role(
            context,
            organization_id,
            slug,
            lambda roles, _, ctx: roles.remove_role_permission(slug, permission, ctx),
        )

    @retry_on_conflict
    def delete_organization_role(
        self, context: EventContext, organization_id: str, slug: str
    ) -> Committed[Role]:
        """Refused while resources or groups use the role; its holders move to the default."""
        context = context.for_organization(organization_id)
        roles = self._custom_roles(organization_id)
        roles.get_role(slug)
        if slug == roles.default_role_slug:
            roles.delete_role(slug, context)  # refuses, with the reason
        self._refuse_while_used(slug, organization_id)
        role = roles.delete_role(slug, context)
        moved = self._move_holders(context, slug, organization_id, self.get_schema())
        return self._commit(role, roles, moved)

    # Environment roles ------------------------------------------------------------

    @retry_on_conflict
    def delete_role(self, context: EventContext, slug: str) -> Committed[Role]:
        """Delete an environment role (an idgov extension): refused while it is a default role
        or resources or groups use it; its holders in every organization move to the default."""
        schema = self.get_schema()
        schema.get_role(slug)
        if slug == schema.default_role_slug:
            schema.delete_role(slug, context)  # refuses, with the reason
        defaulting = [
            o.organization_id
            for o in self._load_organization_roles(
                self._roles_index().organizations_defaulting_to(slug)
            )
            if o.default_role_slug == slug
        ]
        if defaulting:
            raise Conflict(
                f"Role '{slug}' is the default role of organizations {sorted(defaulting)}; give"
                " them another default first.",
                code="role_is_default",
            )
        self._refuse_while_used(slug, None)
        role = schema.delete_role(slug, context)
        moved = self._move_holders(context, slug, None, schema)
        return self._commit(role, schema, moved)

    def _refuse_while_used(self, slug: str, organization_id: str | None) -> None:
        index = self._roles_index()
        assignments = index.role_assignment_ids(slug, organization_id)
        if assignments:
            raise Conflict(
                f"Role '{slug}' is assigned on resources ({len(assignments)} assignments);"
                " remove them first.",
                code="role_has_assignments",
            )
        mappings = index.group_role_mapping_ids(slug, organization_id)
        if mappings:
            raise Conflict(
                f"Groups hold role '{slug}' ({len(mappings)} group role assignments); remove"
                " them first.",
                code="role_has_group_role_mappings",
            )

    def _move_holders(
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
        reason = f"Role '{slug}' was deleted."
        for membership in self._memberships(
            self._roles_index().role_holder_ids(slug, organization_id)
        ):
            if slug not in membership.role_slugs:
                continue
            organization = self.get_organization_roles(membership.organization_id)
            default = default_role_slug(schema, organization)
            assert default is not None, "every environment has a default role"
            assert default != slug, "a default role is never deleted"
            kept = tuple(r for r in membership.role_slugs if r != slug)
            roles = (kept or (default,)) if schema.multiple_roles else (default,)
            ctx = replace(context, reason=context.reason or reason)
            membership.change_roles(roles, ctx.for_organization(membership.organization_id))
            moved.append(membership)
        return moved

    def _memberships(self, membership_ids: Iterable[str]) -> list[OrganizationMembership]:
        found = []
        for membership_id in dict.fromkeys(membership_ids):
            try:
                found.append(self.get_membership(membership_id))
            except NotFound:
                continue
        return found

    # Default roles, priority orders and the multiple-roles setting -------------------

    @retry_on_conflict
    def change_role_settings(
        self,
        context: EventContext,
        *,
        default_role_slug: str | None = None,
        priority_order: Sequence[str] | None = None,
        multiple_roles: bool | None = None,
    ) -> Committed[AuthorizationSchema]:
        """The environment's default role, priority order and multiple-roles setting (an idgov
        extension). Turning multiple roles off leaves each membership holding several roles
        with the one highest in its organization's priority order."""
        schema = self.get_schema()
        if default_role_slug is not None:
            schema.set_default_role(default_role_slug, context)
        if priority_order is not None:
            schema.set_priority_order(tuple(priority_order), context)
        moved: list[IdgovAggregate] = []
        if multiple_roles is not None and multiple_roles != schema.multiple_roles:
            schema.set_multiple_roles(multiple_roles, context)
            if not multiple_roles:
                moved = self._keep_highest_roles(context, schema)
        return self._commit(schema, schema, moved)

    def _keep_highest_roles(
        self, context: EventContext, schema: AuthorizationSchema
    ) -> list[IdgovAggregate]:
        moved: list[IdgovAggregate] = []
        ctx = replace(context, reason=context.reason or "Multiple roles were turned off.")
        for membership in self._memberships(self._roles_index().multi_role_membership_ids()):
            if len(membership.role_slugs) < 2:
                continue
            order = [
                r.slug
                for r in effective_priority(
                    schema, self.get_organization_roles(membership.organization_id)
                )
            ]
            rank = {slug: index for index, slug in enumerate(order)}
            kept = min(membership.role_slugs, key=lambda s: rank.get(s, len(rank)))
            membership.change_roles((kept,), ctx.for_organization(membership.organization_id))
            moved.append(membership)
        return moved

    @retry_on_conflict
    def change_organization_role_settings(
        self,
        context: EventContext,
        organization_id: str,
        *,
        default_role_slug: str | None = None,
        priority_order: Sequence[str] | None = None,
    ) -> Committed[str]:
        """An organization's own default role and priority order (an idgov extension). The
        first change makes them the organization's own, starting from the environment's."""
        context = context.for_organization(organization_id)
        schema = self.get_schema()
        existing = self.get_organization_roles(organization_id)
        roles = self._own_roles(organization_id, schema, context)
        customised = roles.version
        if default_role_slug is not None:
            roles.set_default_role(schema, default_role_slug, context)
        if priority_order is not None:
            roles.set_priority_order(schema, tuple(priority_order), context)
        if existing is None and roles.version == customised:
            return Committed(organization_id, None)  # nothing asked differs from the environment
        return self._commit(organization_id, roles)

    # What other areas ask -----------------------------------------------------------

    def _resolve_role(self, organization_id: str, slug: str) -> Role | None:
        return resolve(self.get_schema(), self.get_organization_roles(organization_id), slug)

    def _membership_roles(
        self, organization_id: str, requested: Sequence[str], field: str
    ) -> tuple[str, ...]:
        schema = self.get_schema()
        organization = self.get_organization_roles(organization_id)
        if not requested:
            default = default_role_slug(schema, organization)
            if default is None:
                raise Invalid("There is no default role to give.", code="invalid_role", field=field)
            return (default,)
        if len(requested) > 1 and not schema.multiple_roles:
            raise Invalid(
                "A membership holds one role unless multiple roles are enabled.",
                code="multiple_roles_not_enabled",
                field=field,
            )
        for slug in requested:
            role = resolve(schema, organization, slug)
            if role is None:
                raise Invalid(
                    f"Role '{slug}' does not exist for this organization.",
                    code="invalid_role",
                    field=field,
                )
            if role.resource_type_slug != ROOT_TYPE:
                raise Invalid(
                    f"Role '{slug}' is scoped to '{role.resource_type_slug}': assign it on a"
                    " resource instead.",
                    code="sub_resource_scoped_role_not_allowed",
                    field=field,
                )
        return tuple(requested)

    def _remove_organization_roles(
        self, context: EventContext, organization_id: str
    ) -> list[IdgovAggregate]:
        roles = self.get_organization_roles(organization_id)
        if roles is None:
            return []
        roles.delete_all(context)
        return [roles]

    def _permission_leaves_custom_roles(
        self, context: EventContext, permission_slug: str
    ) -> list[IdgovAggregate]:
        holders = self._roles_index().organizations_with_custom_roles(
            permission_slugs=[permission_slug]
        )
        changed: list[IdgovAggregate] = []
        for roles in self._load_organization_roles(holders):
            if roles.forget_permission(permission_slug, context):
                changed.append(roles)
        return changed

    def _custom_roles_touching(self, type_slugs: list[str]) -> list[Role]:
        found = self._roles_index().organizations_with_custom_roles(resource_type_slugs=type_slugs)
        return [r for roles in self._load_organization_roles(found) for r in roles.roles.values()]

    def _custom_role_slug_in_use(self, slug: str) -> bool:
        found = self._roles_index().organizations_with_custom_roles(slug=slug)
        return any(slug in roles.roles for roles in self._load_organization_roles(found))
