"""Use cases of the authorization schema: resource types, permissions, environment roles.

Organizations' custom roles live on their own aggregates: where a schema change must count
them (a permission deleted, a type re-parented or deleted, an environment role's slug), the
hooks at the bottom ask the roles area, and the schema and what changed there are saved in
one commit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.application import AggregateNotFoundError

from domain.authorization_schema import (
    DEFAULT_ROLE,
    ROOT_TYPE,
    SCHEMA_ID,
    AuthorizationSchema,
    Role,
)
from domain.commands.base import Commands, Committed, retry_on_conflict
from domain.errors import Conflict
from domain.events import SYSTEM, EventContext, IdgovAggregate


class SchemaCommands(Commands):
    def get_schema(self) -> AuthorizationSchema:
        try:
            schema: AuthorizationSchema = self.repository.get(SCHEMA_ID)
        except AggregateNotFoundError:
            return self._new_schema(EventContext(actor=SYSTEM, source="system"))
        assert isinstance(schema, AuthorizationSchema)
        return schema

    def _missing_on_start(self, context: EventContext) -> list[IdgovAggregate]:
        missing = super()._missing_on_start(context)
        try:
            self.repository.get(SCHEMA_ID)
        except AggregateNotFoundError:
            missing.append(self._new_schema(context))
        return missing

    @staticmethod
    def _new_schema(context: EventContext) -> AuthorizationSchema:
        """Every environment starts with the ``member`` role as its default."""
        schema = AuthorizationSchema(context=context)
        schema.create_role(DEFAULT_ROLE, "Member", None, ROOT_TYPE, context)
        return schema

    def _change_schema(
        self, slug: str, change: Callable[[AuthorizationSchema], object]
    ) -> Committed[str]:
        """Apply ``change`` to the schema and save; the result names what was changed."""
        schema = self.get_schema()
        change(schema)
        return self._commit(slug, schema)

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
        return self._change_schema(
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
                name=changes.get("name"),
                description=changes.get("description"),
                describe="description" in changes,
                parent_type_slugs=tuple(dict.fromkeys(parents)) if parents is not None else None,
                custom_roles=self._custom_roles_touching(below) if below else (),
            )

        return self._change_schema(slug, change)

    @retry_on_conflict
    def delete_resource_type(self, context: EventContext, slug: str) -> Committed[str]:
        return self._change_schema(
            slug,
            lambda s: s.delete_resource_type(slug, context, self._custom_roles_touching([slug])),
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
        return self._change_schema(
            slug,
            lambda s: s.create_permission(
                slug, name, description, resource_type_slug or ROOT_TYPE, context
            ),
        )

    @retry_on_conflict
    def update_permission(self, context: EventContext, slug: str, **changes: Any) -> Committed[str]:
        def change(schema: AuthorizationSchema) -> None:
            schema.change_permission(
                slug,
                context,
                name=changes.get("name"),
                description=changes.get("description"),
                describe="description" in changes,
            )

        return self._change_schema(slug, change)

    @retry_on_conflict
    def delete_permission(self, context: EventContext, slug: str) -> Committed[str]:
        """Environment roles and organizations' custom roles holding it lose it first."""
        schema = self.get_schema()
        schema.delete_permission(slug, context)
        return self._commit(slug, schema, self._permission_leaves_custom_roles(context, slug))

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
            if self._custom_role_slug_in_use(slug):
                raise Conflict(
                    f"An organization has a custom role '{slug}'.", code="role_slug_conflict"
                )

        return self._change_schema(slug, change)

    @retry_on_conflict
    def update_role(self, context: EventContext, slug: str, **changes: Any) -> Committed[str]:
        def change(schema: AuthorizationSchema) -> None:
            schema.change_role(
                slug,
                context,
                name=changes.get("name"),
                description=changes.get("description"),
                describe="description" in changes,
            )

        return self._change_schema(slug, change)

    @retry_on_conflict
    def set_role_permissions(
        self, context: EventContext, slug: str, permissions: list[str]
    ) -> Committed[str]:
        return self._change_schema(
            slug, lambda s: s.set_role_permissions(slug, tuple(permissions), context)
        )

    @retry_on_conflict
    def add_role_permission(
        self, context: EventContext, slug: str, permission: str
    ) -> Committed[str]:
        return self._change_schema(slug, lambda s: s.add_role_permission(slug, permission, context))

    @retry_on_conflict
    def remove_role_permission(
        self, context: EventContext, slug: str, permission: str
    ) -> Committed[str]:
        return self._change_schema(
            slug, lambda s: s.remove_role_permission(slug, permission, context)
        )

    # What the roles area answers ------------------------------------------------

    def _permission_leaves_custom_roles(
        self, context: EventContext, permission_slug: str
    ) -> list[IdgovAggregate]:
        """Organizations' custom roles holding the permission, each having lost it."""
        raise NotImplementedError

    def _custom_roles_touching(self, type_slugs: list[str]) -> list[Role]:
        """Organizations' custom roles scoped to, or holding permissions of, these types."""
        raise NotImplementedError

    def _custom_role_slug_in_use(self, slug: str) -> bool:
        raise NotImplementedError
