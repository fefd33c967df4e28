"""Use cases of the authorization schema: resource types, permissions, environment roles.

Organizations' custom roles live on their own aggregates: where a schema change must count
them (a permission deleted, a type re-parented or deleted, an environment role's slug), the
schema asks ``CustomRoleService``, and the schema and what changed there are saved in one
commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.authorization_schema import ROOT_TYPE, AuthorizationSchema, Role
from domain.errors import Conflict
from domain.events import EventContext
from domain.services.custom_roles import CustomRoleService
from domain.services.role_holders import RoleHolders
from domain.store import Committed, EventStore, naming, retry_on_conflict


@dataclass(frozen=True)
class SchemaService:
    store: EventStore
    custom_roles: CustomRoleService
    holders: RoleHolders

    def _change(self, slug: str, change: Callable[[AuthorizationSchema], object]) -> Committed[str]:
        """Apply ``change`` to the schema and save; the result names what was changed."""
        schema = self.store.get_schema()
        change(schema)
        return self.store.commit(slug, schema)

    # Resource types -------------------------------------------------------

    @retry_on_conflict
    def create_resource_type(
        self,
        context: EventContext,
        *,
        slug: str,
        name: str,
        description: str | None,
        parent_type_slugs: list[str],
    ) -> Committed[str]:
        parents = tuple(dict.fromkeys(parent_type_slugs or [ROOT_TYPE]))
        return self._change(
            slug, lambda s: s.create_resource_type(slug, name, description, parents, context)
        )

    @retry_on_conflict
    def update_resource_type(
        self, context: EventContext, slug: str, **changes: Any
    ) -> Committed[str]:
        parents = changes.get("parent_type_slugs")

        def change(schema: AuthorizationSchema) -> None:
            reparented = parents is not None and slug in schema.resource_types
            below = [slug, *schema.descendants_of(slug)] if reparented else []
            schema.change_resource_type(
                slug,
                context,
                **naming(changes),
                parent_type_slugs=tuple(dict.fromkeys(parents)) if parents is not None else None,
                custom_roles=self.custom_roles.touching(below) if below else (),
            )

        return self._change(slug, change)

    @retry_on_conflict
    def delete_resource_type(self, context: EventContext, slug: str) -> Committed[str]:
        return self._change(
            slug,
            lambda s: s.delete_resource_type(slug, context, self.custom_roles.touching([slug])),
        )

    # Permissions ----------------------------------------------------------

    @retry_on_conflict
    def create_permission(
        self,
        context: EventContext,
        *,
        slug: str,
        name: str,
        description: str | None,
        resource_type_slug: str | None,
    ) -> Committed[str]:
        return self._change(
            slug,
            lambda s: s.create_permission(
                slug, name, description, resource_type_slug or ROOT_TYPE, context
            ),
        )

    @retry_on_conflict
    def update_permission(self, context: EventContext, slug: str, **changes: Any) -> Committed[str]:
        return self._change(slug, lambda s: s.change_permission(slug, context, **naming(changes)))

    @retry_on_conflict
    def delete_permission(self, context: EventContext, slug: str) -> Committed[str]:
        """Environment roles and organizations' custom roles holding it lose it first."""
        schema = self.store.get_schema()
        schema.delete_permission(slug, context)
        return self.store.commit(slug, schema, self.custom_roles.losing_permission(context, slug))

    # Environment roles ----------------------------------------------------

    @retry_on_conflict
    def create_role(
        self,
        context: EventContext,
        *,
        slug: str,
        name: str,
        description: str | None,
        resource_type_slug: str | None,
    ) -> Committed[str]:
        def change(schema: AuthorizationSchema) -> None:
            schema.create_role(slug, name, description, resource_type_slug or ROOT_TYPE, context)
            if self.custom_roles.slug_in_use(slug):
                raise Conflict(
                    f"An organization has a custom role '{slug}'.", code="role_slug_conflict"
                )

        return self._change(slug, change)

    @retry_on_conflict
    def update_role(self, context: EventContext, slug: str, **changes: Any) -> Committed[str]:
        return self._change(slug, lambda s: s.change_role(slug, context, **naming(changes)))

    @retry_on_conflict
    def set_role_permissions(
        self, context: EventContext, slug: str, permissions: list[str]
    ) -> Committed[str]:
        return self._change(
            slug, lambda s: s.set_role_permissions(slug, tuple(permissions), context)
        )

    @retry_on_conflict
    def add_role_permission(
        self, context: EventContext, slug: str, permission: str
    ) -> Committed[str]:
        return self._change(slug, lambda s: s.add_role_permission(slug, permission, context))

    @retry_on_conflict
    def remove_role_permission(
        self, context: EventContext, slug: str, permission: str
    ) -> Committed[str]:
        return self._change(slug, lambda s: s.remove_role_permission(slug, permission, context))

    @retry_on_conflict
    def delete_role(self, context: EventContext, slug: str) -> Committed[Role]:
        """Delete an environment role (an idgov extension): refused while it is a default role
        or resources or groups use it; its holders in every organization move to the default."""
        schema = self.store.get_schema()
        schema.get_role(slug)
        if slug == schema.default_role_slug:
            schema.delete_role(slug, context)  # refuses, with the reason
        defaulting = self.custom_roles.organizations_defaulting_to(slug)
        if defaulting:
            raise Conflict(
                f"Role '{slug}' is the default role of organizations {sorted(defaulting)}; give"
                " them another default first.",
                code="role_is_default",
            )
        self.holders.refuse_while_used(slug, None)
        role = schema.delete_role(slug, context)
        moved = self.holders.move_to_default(context, slug, None, schema)
        return self.store.commit(role, schema, moved)
