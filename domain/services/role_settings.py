"""Use cases of role settings: default roles, priority orders and the multiple-roles switch,
for the environment and for each organization (idgov extensions)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.authorization_schema import AuthorizationSchema
from domain.events import EventContext, IdgovAggregate
from domain.services.custom_roles import CustomRoleService
from domain.services.role_holders import RoleHolders
from domain.store import Committed, EventStore, retry_on_conflict


@dataclass(frozen=True)
class RoleSettingsService:
    store: EventStore
    custom_roles: CustomRoleService
    holders: RoleHolders

    @retry_on_conflict
    def change_role_settings(
        self,
        context: EventContext,
        *,
        default_role_slug: str | None = None,
        priority_order: Sequence[str] | None = None,
        multiple_roles: bool | None = None,
    ) -> Committed[AuthorizationSchema]:
        """Turning multiple roles off leaves each membership holding several roles with the
        one highest in its organization's priority order."""
        schema = self.store.get_schema()
        if default_role_slug is not None:
            schema.set_default_role(default_role_slug, context)
        if priority_order is not None:
            schema.set_priority_order(tuple(priority_order), context)
        moved: list[IdgovAggregate] = []
        if multiple_roles is not None and multiple_roles != schema.multiple_roles:
            schema.set_multiple_roles(multiple_roles, context)
            if not multiple_roles:
                moved = self.holders.keep_highest(context, schema)
        return self.store.commit(schema, schema, moved)

    @retry_on_conflict
    def change_organization_role_settings(
        self,
        context: EventContext,
        organization_id: str,
        *,
        default_role_slug: str | None = None,
        priority_order: Sequence[str] | None = None,
    ) -> Committed[str]:
        """The first change makes them the organization's own, starting from the
        environment's."""
        context = context.for_organization(organization_id)
        schema = self.store.get_schema()
        existing = self.store.get_organization_roles(organization_id)
        roles = self.custom_roles.own_roles(organization_id, schema, context)
        customised = roles.version
        if default_role_slug is not None:
            roles.set_default_role(schema, default_role_slug, context)
        if priority_order is not None:
            roles.set_priority_order(schema, tuple(priority_order), context)
        if existing is None and roles.version == customised:
            return Committed(organization_id, None)  # nothing asked differs from the environment
        return self.store.commit(organization_id, roles)
