"""The AuthorizationSchema aggregate: resource types, permissions and environment roles.

One aggregate per environment, because its rules span all three: a role may hold only
permissions of its own resource type or a descendant type; a type cannot lose a parent
while a role above would lose reach of a permission below; a type with permissions or
roles cannot be deleted. Schema changes are rare, so one consistency boundary costs
nothing and makes every rule atomic.

``organization`` is the implicit root type. Hierarchy limits follow WorkOS: at most 50
types, 10 child types per type, and 5 levels from the root.

Organizations' custom roles live on their own aggregates (``domain.organization_roles``);
the rules here that concern roles take them as ``custom_roles`` where they must count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from eventsourcing.domain import event

from domain import ids, roles
from domain.errors import Conflict, Invalid, NotFound
from domain.events import EventContext, IdgovAggregate
from domain.roles import Role as Role  # re-exported: the schema is where roles are looked up
from domain.roles import RoleEditing

SCHEMA_ID = "authorization_schema"
ROOT_TYPE = "organization"
DEFAULT_ROLE = "member"
MAX_TYPES = 50
MAX_CHILD_TYPES = 10
MAX_DEPTH = 5

TYPE_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,46}[a-z0-9])?$")
PERMISSION_SLUG = re.compile(r"^[a-z0-9*](?:[a-z0-9:._*-]{0,46}[a-z0-9*])?$")
ROLE_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,46}[a-z0-9])?$")
ORGANIZATION_ROLE_PREFIX = "org-"  # reserved for organizations' custom roles


@dataclass(frozen=True)
class ResourceType:
    slug: str
    name: str
    description: str | None
    parent_type_slugs: tuple[str, ...]


@dataclass(frozen=True)
class Permission:
    id: str
    slug: str
    name: str
    description: str | None
    resource_type_slug: str
    system: bool = False


class AuthorizationSchema(IdgovAggregate, RoleEditing):
    @staticmethod
    def create_id(**_: object) -> str:
        return SCHEMA_ID

    class Created(IdgovAggregate.Created):
        pass

    @event(Created)
    def __init__(self, context: EventContext) -> None:
        self.resource_types: dict[str, ResourceType] = {}
        self.permissions: dict[str, Permission] = {}
        self.roles: dict[str, Role] = {}  # insertion order is the priority order
        self.default_role_slug: str | None = None
        self.multiple_roles = False

    # Resource types --------------------------------------------------------

    def has_type(self, slug: str) -> bool:
        return slug == ROOT_TYPE or slug in self.resource_types

    def parents_of(self, slug: str) -> tuple[str, ...]:
        return () if slug == ROOT_TYPE else self.resource_types[slug].parent_type_slugs

    def children_of(self, slug: str) -> list[str]:
        return [t.slug for t in self.resource_types.values() if slug in t.parent_type_slugs]

    def descendants_of(self, slug: str) -> set[str]:
        """Types reachable below ``slug`` through child links (not including it)."""
        found: set[str] = set()
        frontier = [slug]
        while frontier:
            for child in self.children_of(frontier.pop()):
                if child not in found:
                    found.add(child)
                    frontier.append(child)
        return found

    def depth_of(self, slug: str) -> int:
        """Levels from the root along the longest path: ``organization`` is 1, its children 2, …"""
        return 1 + max((self.depth_of(p) for p in self.parents_of(slug)), default=0)

    def require_type(self, slug: str, field: str = "resource_type_slug") -> None:
        if not self.has_type(slug):
            raise Invalid(
                f"Resource type '{slug}' does not exist.",
                code="resource_type_not_found",
                field=field,
            )

    @contextmanager
    def _trying(self, slug: str, parents: tuple[str, ...]) -> Iterator[None]:
        """Evaluate rules against the schema as it would be with ``slug`` under ``parents``."""
        current = self.resource_types.get(slug) or ResourceType(slug, slug, None, parents)
        saved = self.resource_types
        self.resource_types = {**saved, slug: replace(current, parent_type_slugs=parents)}
        try:
            yield
        finally:
            self.resource_types = saved

    def _check_parents(self, slug: str, parents: tuple[str, ...]) -> None:
        field = "parent_type_slugs"
        if not parents:
            raise Invalid(
                "A resource type needs at least one parent type.", code="required", field=field
            )
        for parent in parents:
            self.require_type(parent, field)
            if parent == slug or parent in self.descendants_of(slug):
                raise Invalid(
                    f"Parent type '{parent}' would make a cycle.",
                    code="resource_type_cycle",
                    field=field,
                )
            if len(set(self.children_of(parent)) - {slug}) >= MAX_CHILD_TYPES:
                raise Invalid(
                    f"Type '{parent}' already has {MAX_CHILD_TYPES} child types.",
                    code="child_type_limit_exceeded",
                    field=field,
                )
        with self._trying(slug, parents):
            if any(self.depth_of(t) > MAX_DEPTH for t in self.resource_types):
                raise Invalid(
                    f"The hierarchy would be deeper than {MAX_DEPTH} levels.",
                    code="resource_type_depth_exceeded",
                    field=field,
                )

    def create_resource_type(
        self,
        slug: str,
        name: str,
        description: str | None,
        parent_type_slugs: tuple[str, ...],
        context: EventContext,
    ) -> None:
        if not TYPE_SLUG.match(slug):
            raise Invalid(
                f"Invalid resource type slug '{slug}'.", code="invalid_slug", field="slug"
            )
        if self.has_type(slug):
            raise Conflict(
                f"Resource type '{slug}' already exists.", code="resource_type_slug_conflict"
            )
        if len(self.resource_types) >= MAX_TYPES:
            raise Invalid(
                f"An environment has at most {MAX_TYPES} resource types.",
                code="resource_type_limit_exceeded",
                field="slug",
            )
        self._check_parents(slug, parent_type_slugs)
        self._resource_type_created(
            ResourceType(slug, name, description, parent_type_slugs), context
        )

    class ResourceTypeCreated(IdgovAggregate.Event):
        resource_type: ResourceType

    @event(ResourceTypeCreated)
    def _resource_type_created(self, resource_type: ResourceType, context: EventContext) -> None:
        self.resource_types[resource_type.slug] = resource_type

    def get_type(self, slug: str) -> ResourceType:
        if slug not in self.resource_types:
            raise NotFound(f"Resource type not found: '{slug}'.")
        return self.resource_types[slug]

    def change_resource_type(
        self,
        slug: str,
        context: EventContext,
        *,
        name: str | None = None,
        description: str | None = None,
        describe: bool = False,
        parent_type_slugs: tuple[str, ...] | None = None,
        custom_roles: Iterable[Role] = (),
    ) -> None:
        """Rename, describe and re-parent a type. ``custom_roles``: organizations' roles that
        hold permissions of this type or types below it."""
        current = self.get_type(slug)
        if name is not None and name != current.name:
            self._resource_type_renamed(slug, name, context)
        if describe and description != current.description:
            self._resource_type_described(slug, description, context)
        if parent_type_slugs is not None and set(parent_type_slugs) != set(
            current.parent_type_slugs
        ):
            self._check_parents(slug, parent_type_slugs)
            self._ensure_reach_kept(slug, parent_type_slugs, custom_roles)
            self._resource_type_reparented(slug, parent_type_slugs, context)

    def _ensure_reach_kept(
        self, slug: str, parents: tuple[str, ...], custom_roles: Iterable[Role]
    ) -> None:
        """No role may be left holding a permission its type no longer reaches."""
        with self._trying(slug, parents):
            for role in [*self.roles.values(), *custom_roles]:
                reach = self.reach_of(role.resource_type_slug)
                lost = [
                    p
                    for p in role.permissions
                    if p in self.permissions and self.permissions[p].resource_type_slug not in reach
                ]
                if lost:
                    raise Conflict(
                        f"Role '{role.slug}' would lose reach of permissions {lost}.",
                        code="resource_type_in_use",
                    )

    class ResourceTypeRenamed(IdgovAggregate.Event):
        slug: str
        name: str

    @event(ResourceTypeRenamed)
    def _resource_type_renamed(self, slug: str, name: str, context: EventContext) -> None:
        self.resource_types[slug] = replace(self.resource_types[slug], name=name)

    class ResourceTypeDescribed(IdgovAggregate.Event):
        slug: str
        description: str | None

    @event(ResourceTypeDescribed)
    def _resource_type_described(
        self, slug: str, description: str | None, context: EventContext
    ) -> None:
        self.resource_types[slug] = replace(self.resource_types[slug], description=description)

    class ResourceTypeReparented(IdgovAggregate.Event):
        slug: str
        parent_type_slugs: tuple[str, ...]

    @event(ResourceTypeReparented)
    def _resource_type_reparented(
        self, slug: str, parent_type_slugs: tuple[str, ...], context: EventContext
    ) -> None:
        self.resource_types[slug] = replace(
            self.resource_types[slug], parent_type_slugs=parent_type_slugs
        )

    def delete_resource_type(
        self, slug: str, context: EventContext, custom_roles: Iterable[Role] = ()
    ) -> None:
        """``custom_roles``: organizations' roles scoped to this type, if any."""
        self.get_type(slug)
        reasons = []
        if self.children_of(slug):
            reasons.append("it has child types")
        if any(p.resource_type_slug == slug for p in self.permissions.values()):
            reasons.append("permissions are scoped to it")
        if any(r.resource_type_slug == slug for r in [*self.roles.values(), *custom_roles]):
            reasons.append("roles are scoped to it")
        if reasons:
            raise Conflict(
                f"Resource type '{slug}' cannot be deleted: {', '.join(reasons)}.",
                code="resource_type_in_use",
            )
        self._resource_type_deleted(slug, context)

    class ResourceTypeDeleted(IdgovAggregate.Event):
        slug: str

    @event(ResourceTypeDeleted)
    def _resource_type_deleted(self, slug: str, context: EventContext) -> None:
        del self.resource_types[slug]

    def reach_of(self, type_slug: str) -> set[str]:
        """The types whose permissions a role of ``type_slug`` may hold: it and its descendants."""
        return {type_slug} | self.descendants_of(type_slug)

    # Permissions -----------------------------------------------------------

    def create_permission(
        self,
        slug: str,
        name: str,
        description: str | None,
        resource_type_slug: str,
        context: EventContext,
    ) -> Permission:
        if not PERMISSION_SLUG.match(slug):
            raise Invalid(f"Invalid permission slug '{slug}'.", code="invalid_slug", field="slug")
        if slug in self.permissions:
            raise Conflict(f"Permission '{slug}' already exists.", code="permission_slug_conflict")
        self.require_type(resource_type_slug)
        permission = Permission(ids.new_id("perm"), slug, name, description, resource_type_slug)
        self._permission_created(permission, context)
        return permission

    class PermissionCreated(IdgovAggregate.Event):
        permission: Permission

    @event(PermissionCreated)
    def _permission_created(self, permission: Permission, context: EventContext) -> None:
        self.permissions[permission.slug] = permission

    def get_permission(self, slug: str) -> Permission:
        if slug not in self.permissions:
            raise NotFound(f"Permission not found: '{slug}'.")
        return self.permissions[slug]

    def change_permission(
        self,
        slug: str,
        context: EventContext,
        *,
        name: str | None = None,
        description: str | None = None,
        describe: bool = False,
    ) -> None:
        current = self.get_permission(slug)
        if name is not None and name != current.name:
            self._permission_renamed(slug, name, context)
        if describe and description != current.description:
            self._permission_described(slug, description, context)

    class PermissionRenamed(IdgovAggregate.Event):
        slug: str
        name: str

    @event(PermissionRenamed)
    def _permission_renamed(self, slug: str, name: str, context: EventContext) -> None:
        self.permissions[slug] = replace(self.permissions[slug], name=name)

    class PermissionDescribed(IdgovAggregate.Event):
        slug: str
        description: str | None

    @event(PermissionDescribed)
    def _permission_described(
        self, slug: str, description: str | None, context: EventContext
    ) -> None:
        self.permissions[slug] = replace(self.permissions[slug], description=description)

    def delete_permission(self, slug: str, context: EventContext) -> list[str]:
        """Delete a permission; environment roles holding it lose it first (one event each).
        Returns the slugs of the roles that held it."""
        permission = self.get_permission(slug)
        if permission.system:
            raise Conflict(
                f"Permission '{slug}' is managed by the system.", code="system_permission"
            )
        holders = self.forget_permission(slug, context)
        self._permission_deleted(slug, context)
        return holders

    class PermissionDeleted(IdgovAggregate.Event):
        slug: str

    @event(PermissionDeleted)
    def _permission_deleted(self, slug: str, context: EventContext) -> None:
        del self.permissions[slug]

    def check_permissions_fit(
        self, type_slug: str, permissions: tuple[str, ...], field: str = "permissions"
    ) -> None:
        """Every permission exists and lies within the reach of a role of ``type_slug``."""
        reach = self.reach_of(type_slug)
        for slug in permissions:
            if slug not in self.permissions:
                raise Invalid(
                    f"Permission '{slug}' does not exist.", code="permission_not_found", field=field
                )
            if self.permissions[slug].resource_type_slug not in reach:
                raise Invalid(
                    f"Permission '{slug}' is scoped to"
                    f" '{self.permissions[slug].resource_type_slug}', "
                    f"outside the reach of a '{type_slug}' role.",
                    code="permission_outside_role_scope",
                    field=field,
                )

    # Environment roles -----------------------------------------------------

    def create_role(
        self,
        slug: str,
        name: str,
        description: str | None,
        resource_type_slug: str,
        context: EventContext,
        permissions: tuple[str, ...] = (),
    ) -> Role:
        if not ROLE_SLUG.match(slug):
            raise Invalid(f"Invalid role slug '{slug}'.", code="invalid_slug", field="slug")
        if slug.startswith(ORGANIZATION_ROLE_PREFIX):
            raise Invalid(
                f"Slugs starting with '{ORGANIZATION_ROLE_PREFIX}' are kept for organizations'"
                " custom roles.",
                code="invalid_slug",
                field="slug",
            )
        if slug in self.roles:
            raise Conflict(f"Role '{slug}' already exists.", code="role_slug_conflict")
        self.require_type(resource_type_slug)
        self.check_permissions_fit(resource_type_slug, permissions)
        role = Role(ids.new_id("role"), slug, name, description, resource_type_slug, permissions)
        self._role_created(role, context)
        if self.default_role_slug is None and resource_type_slug == ROOT_TYPE:
            self._default_role_set(slug, context)
        return role

    class RoleCreated(roles.RoleCreated):
        pass

    @event(RoleCreated)
    def _role_created(self, role: Role, context: EventContext) -> None:
        self.roles[role.slug] = role

    class DefaultRoleSet(roles.DefaultRoleSet):
        pass

    @event(DefaultRoleSet)
    def _default_role_set(self, slug: str, context: EventContext) -> None:
        self.default_role_slug = slug

    def get_role(self, slug: str) -> Role:
        if slug not in self.roles:
            raise NotFound(f"Role not found: '{slug}'.")
        return self.roles[slug]

    class RoleRenamed(roles.RoleRenamed):
        pass

    @event(RoleRenamed)
    def _role_renamed(self, slug: str, name: str, context: EventContext) -> None:
        self.roles[slug] = replace(self.roles[slug], name=name)

    class RoleDescribed(roles.RoleDescribed):
        pass

    @event(RoleDescribed)
    def _role_described(self, slug: str, description: str | None, context: EventContext) -> None:
        self.roles[slug] = replace(self.roles[slug], description=description)

    def set_role_permissions(
        self, slug: str, permissions: tuple[str, ...], context: EventContext
    ) -> None:
        self._set_permissions(self, slug, permissions, context)

    class RolePermissionsSet(roles.RolePermissionsSet):
        pass

    @event(RolePermissionsSet)
    def _role_permissions_set(
        self, slug: str, permissions: tuple[str, ...], context: EventContext
    ) -> None:
        self.roles[slug] = replace(self.roles[slug], permissions=permissions)

    def add_role_permission(self, slug: str, permission: str, context: EventContext) -> None:
        self._add_permission(self, slug, permission, context)

    class RolePermissionAdded(roles.RolePermissionAdded):
        pass

    @event(RolePermissionAdded)
    def _role_permission_added(self, slug: str, permission: str, context: EventContext) -> None:
        self.roles[slug] = self.roles[slug].with_permission(permission)

    class RolePermissionRemoved(roles.RolePermissionRemoved):
        pass

    @event(RolePermissionRemoved)
    def _role_permission_removed(self, slug: str, permission: str, context: EventContext) -> None:
        self.roles[slug] = self.roles[slug].without_permission(permission)

    def set_default_role(
        self, slug: str, context: EventContext, field: str = "default_role_slug"
    ) -> None:
        """Memberships get the default role when none is named; it must be organization-level."""
        if slug not in self.roles or self.roles[slug].resource_type_slug != ROOT_TYPE:
            raise Invalid(
                f"'{slug}' is not an organization-level environment role.",
                code="invalid_role",
                field=field,
            )
        if slug != self.default_role_slug:
            self._default_role_set(slug, context)

    def set_priority_order(
        self, slugs: tuple[str, ...], context: EventContext, field: str = "priority_order"
    ) -> None:
        """Reorder the environment roles; ``slugs`` names each of them once, highest first."""
        if sorted(slugs) != sorted(self.roles):
            raise Invalid(
                "The priority order must name every environment role exactly once.",
                code="invalid_priority_order",
                field=field,
            )
        if slugs != tuple(self.roles):
            self._priority_order_set(slugs, context)

    class PriorityOrderSet(IdgovAggregate.Event):
        slugs: tuple[str, ...]

    @event(PriorityOrderSet)
    def _priority_order_set(self, slugs: tuple[str, ...], context: EventContext) -> None:
        self.roles = {slug: self.roles[slug] for slug in slugs}

    def delete_role(self, slug: str, context: EventContext) -> Role:
        """Remove an environment role. The default role stays; who holds the role and where it
        is assigned is for the use case to settle first."""
        role = self.get_role(slug)
        if slug == self.default_role_slug:
            raise Conflict(
                f"Role '{slug}' is the default role; make another role the default first.",
                code="role_is_default",
            )
        self._role_deleted(slug, context)
        return role

    class RoleDeleted(IdgovAggregate.Event):
        slug: str

    @event(RoleDeleted)
    def _role_deleted(self, slug: str, context: EventContext) -> None:
        del self.roles[slug]

    def set_multiple_roles(self, enabled: bool, context: EventContext) -> None:
        if enabled != self.multiple_roles:
            self._multiple_roles_set(enabled, context)

    class MultipleRolesSet(IdgovAggregate.Event):
        enabled: bool

    @event(MultipleRolesSet)
    def _multiple_roles_set(self, enabled: bool, context: EventContext) -> None:
        self.multiple_roles = enabled
