"""Use cases of organizations' custom roles (``org-…`` roles on ``OrganizationRoles``), and
what the schema asks of them when a permission, a resource type or a role slug changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.authorization_schema import ROOT_TYPE, AuthorizationSchema, Role
from domain.errors import NotFound
from domain.events import EventContext, IdgovAggregate
from domain.organization_roles import OrganizationRoles
from domain.services.role_holders import RoleHolders
from domain.store import Committed, EventStore, naming, retry_on_conflict

RoleChange = Callable[[OrganizationRoles, AuthorizationSchema, EventContext], object]


@dataclass(frozen=True)
class CustomRoleService:
    store: EventStore
    holders: RoleHolders

    def own_roles(
        self, organization_id: str, schema: AuthorizationSchema, context: EventContext
    ) -> OrganizationRoles:
        """The organization's own roles, customising it first if it has none yet."""
        self.store.get_organization(organization_id)
        found = self.store.get_organization_roles(organization_id)
        return found or OrganizationRoles.customise(organization_id, schema, context)

    def _custom_roles(self, organization_id: str) -> OrganizationRoles:
        self.store.get_organization(organization_id)
        found = self.store.get_organization_roles(organization_id)
        if found is None:
            raise NotFound(f"Organization '{organization_id}' has no custom roles.")
        return found

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
        schema = self.store.get_schema()
        roles = self.own_roles(organization_id, schema, context)
        role = roles.create_role(
            schema,
            context,
            slug=slug,
            name=name,
            description=description,
            resource_type_slug=resource_type_slug or ROOT_TYPE,
        )
        return self.store.commit(role, roles)

    def _change(
        self, context: EventContext, organization_id: str, slug: str, change: RoleChange
    ) -> Committed[Role]:
        roles = self._custom_roles(organization_id)
        change(roles, self.store.get_schema(), context.for_organization(organization_id))
        return self.store.commit(roles.get_role(slug), roles)

    @retry_on_conflict
    def update_organization_role(
        self, context: EventContext, organization_id: str, slug: str, **changes: Any
    ) -> Committed[Role]:
        return self._change(
            context,
            organization_id,
            slug,
            lambda roles, _, ctx: roles.change_role(slug, ctx, **naming(changes)),
        )

    @retry_on_conflict
    def set_organization_role_permissions(
        self, context: EventContext, organization_id: str, slug: str, permissions: list[str]
    ) -> Committed[Role]:
        return self._change(
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
        return self._change(
            context,
            organization_id,
            slug,
            lambda roles, schema, ctx: roles.add_role_permission(schema, slug, permission, ctx),
        )

    @retry_on_conflict
    def remove_organization_role_permission(
        self, context: EventContext, organization_id: str, slug: str, permission: str
    ) -> Committed[Role]:
        return self._change(
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
        self.holders.refuse_while_used(slug, organization_id)
        role = roles.delete_role(slug, context)
        moved = self.holders.move_to_default(
            context, slug, organization_id, self.store.get_schema()
        )
        return self.store.commit(role, roles, moved)

    # What the schema asks -------------------------------------------------------------

    def losing_permission(
        self, context: EventContext, permission_slug: str
    ) -> list[IdgovAggregate]:
        """Organizations' custom roles holding the permission, each having lost it."""
        holders = self.holders.index.organizations_with_custom_roles(
            permission_slugs=[permission_slug]
        )
        return [
            roles
            for roles in self.holders.organization_roles(holders)
            if roles.forget_permission(permission_slug, context)
        ]

    def touching(self, type_slugs: list[str]) -> list[Role]:
        """Organizations' custom roles scoped to, or holding permissions of, these types."""
        found = self.holders.index.organizations_with_custom_roles(resource_type_slugs=type_slugs)
        return [r for roles in self.holders.organization_roles(found) for r in roles.roles.values()]

    def slug_in_use(self, slug: str) -> bool:
        found = self.holders.index.organizations_with_custom_roles(slug=slug)
        return any(slug in roles.roles for roles in self.holders.organization_roles(found))

    def organizations_defaulting_to(self, slug: str) -> list[str]:
        """Organizations whose own default role is ``slug``."""
        found = self.holders.index.organizations_defaulting_to(slug)
        return [
            roles.organization_id
            for roles in self.holders.organization_roles(found)
            if roles.default_role_slug == slug
        ]
