"""Roles, and the editing that environment roles and organizations' custom roles share.

The environment's roles live on the ``AuthorizationSchema``, each organization's custom roles
on its ``OrganizationRoles``. Both keep their roles by slug and record the same facts about
them, so the fields of those facts and the rules for editing a role are written here once.
Each aggregate still declares its own event classes (a stored event's topic names its
aggregate) and applies them; ``RoleEditing`` decides which of them to record.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from domain.errors import NotFound
from domain.events import DomainEvent, EventContext

if TYPE_CHECKING:
    from domain.authorization_schema import AuthorizationSchema


@dataclass(frozen=True)
class Role:
    id: str
    slug: str
    name: str
    description: str | None
    resource_type_slug: str
    permissions: tuple[str, ...]

    def with_permission(self, permission: str) -> Role:
        return replace(self, permissions=(*self.permissions, permission))

    def without_permission(self, permission: str) -> Role:
        return replace(self, permissions=tuple(p for p in self.permissions if p != permission))


class RoleCreated(DomainEvent):
    role: Role


class RoleRenamed(DomainEvent):
    slug: str
    name: str


class RoleDescribed(DomainEvent):
    slug: str
    description: str | None


class RolePermissionsSet(DomainEvent):
    slug: str
    permissions: tuple[str, ...]


class RolePermissionAdded(DomainEvent):
    slug: str
    permission: str


class RolePermissionRemoved(DomainEvent):
    slug: str
    permission: str


class DefaultRoleSet(DomainEvent):
    slug: str


class _KeepsRoles(Protocol):
    """An aggregate that keeps roles by slug and records edits to them."""

    roles: dict[str, Role]

    def get_role(self, slug: str) -> Role: ...

    def _role_renamed(self, slug: str, name: str, context: EventContext) -> None: ...

    def _role_described(
        self, slug: str, description: str | None, context: EventContext
    ) -> None: ...

    def _role_permissions_set(
        self, slug: str, permissions: tuple[str, ...], context: EventContext
    ) -> None: ...

    def _role_permission_added(self, slug: str, permission: str, context: EventContext) -> None: ...

    def _role_permission_removed(
        self, slug: str, permission: str, context: EventContext
    ) -> None: ...


class RoleEditing:
    """Renaming and describing roles, and changing the permissions they hold."""

    def change_role(
        self: _KeepsRoles,
        slug: str,
        context: EventContext,
        *,
        name: str | None = None,
        description: str | None = None,
        describe: bool = False,
    ) -> None:
        current = self.get_role(slug)
        if name is not None and name != current.name:
            self._role_renamed(slug, name, context)
        if describe and description != current.description:
            self._role_described(slug, description, context)

    def _set_permissions(
        self: _KeepsRoles,
        schema: AuthorizationSchema,
        slug: str,
        permissions: tuple[str, ...],
        context: EventContext,
    ) -> None:
        role = self.get_role(slug)
        wanted = tuple(dict.fromkeys(permissions))
        schema.check_permissions_fit(role.resource_type_slug, wanted)
        if set(wanted) != set(role.permissions):
            self._role_permissions_set(slug, wanted, context)

    def _add_permission(
        self: _KeepsRoles,
        schema: AuthorizationSchema,
        slug: str,
        permission: str,
        context: EventContext,
    ) -> None:
        """Idempotent: adding a permission the role holds changes nothing."""
        role = self.get_role(slug)
        schema.check_permissions_fit(role.resource_type_slug, (permission,), field="slug")
        if permission not in role.permissions:
            self._role_permission_added(slug, permission, context)

    def remove_role_permission(
        self: _KeepsRoles, slug: str, permission: str, context: EventContext
    ) -> None:
        role = self.get_role(slug)
        if permission not in role.permissions:
            raise NotFound(f"Role '{slug}' does not hold permission '{permission}'.")
        self._role_permission_removed(slug, permission, context)

    def forget_permission(self: _KeepsRoles, permission: str, context: EventContext) -> list[str]:
        """A deleted permission leaves every role holding it (one event each); returns their
        slugs."""
        holders = [r.slug for r in self.roles.values() if permission in r.permissions]
        for slug in holders:
            self._role_permission_removed(slug, permission, context)
        return holders
