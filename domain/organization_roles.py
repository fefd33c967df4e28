"""The OrganizationRoles aggregate: one organization's custom roles, default role and priority.

An organization uses the environment's roles, default role and priority order until it needs
something of its own: its first custom role, or a default role or priority order of its own.
Then this aggregate is created with copies of the environment's default role and order, and
from there on they are the organization's. Environment roles created later join the bottom of
the order, and so do new custom roles.

The priority order is kept as role ids, highest first. An id that no longer names a role (an
environment role deleted since) is skipped; environment roles the order does not name yet are
read as appended at the bottom, in the environment's order. Ids, not slugs: a role deleted
and created again under its old slug is a new role, and starts at the bottom.

The aggregate is keyed by the organization, and every event carries the organization id, so
on Kafka its events keep their order with the organization's other events. Rules that need
the environment's schema (resource types, permission reach, environment roles) take it as an
argument; the schema is read, never changed, here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from typing import Any

from eventsourcing.domain import CanMutateAggregate, event

from domain import ids, roles
from domain.authorization_schema import ROOT_TYPE, AuthorizationSchema
from domain.errors import Conflict, Invalid, NotFound
from domain.events import EventContext, IdgovAggregate
from domain.roles import Role, RoleEditing

MAX_SLUG = 48
SUFFIX = 6
ORGANIZATION_ROLE_SLUG = re.compile(r"^org-[a-z0-9]+(?:[-_][a-z0-9]+)*$")


def organization_roles_id(organization_id: str) -> str:
    return f"organization_roles_{organization_id}"


def generated_slug(name: str, role_id: str) -> str:
    """The name, lowercased, with runs of other characters as single dashes, plus a 6-character
    suffix taken from the role id (its random end), within 48 characters."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")
    base = base[: MAX_SLUG - SUFFIX - 1].rstrip("-")
    suffix = role_id[-SUFFIX:].lower()
    return f"{base}-{suffix}" if base else suffix


def effective_priority(
    schema: AuthorizationSchema, organization: OrganizationRoles | None
) -> list[Role]:
    """Every role an organization can use, highest priority first."""
    environment = list(schema.roles.values())
    if organization is None:
        return environment
    by_id = {r.id: r for r in environment} | {r.id: r for r in organization.roles.values()}
    listed = [by_id[role_id] for role_id in organization.priority if role_id in by_id]
    named = set(organization.priority)
    return listed + [r for r in environment if r.id not in named]


def resolve(
    schema: AuthorizationSchema, organization: OrganizationRoles | None, slug: str
) -> Role | None:
    """The role a slug names in an organization: its custom role, else the environment's."""
    if organization is not None and slug in organization.roles:
        return organization.roles[slug]
    return schema.roles.get(slug)


def default_role_slug(
    schema: AuthorizationSchema, organization: OrganizationRoles | None
) -> str | None:
    return organization.default_role_slug if organization is not None else schema.default_role_slug


class OrganizationRoles(IdgovAggregate, RoleEditing):
    @staticmethod
    def create_id(organization_id: str, **_: object) -> str:
        return organization_roles_id(organization_id)

    class Created(IdgovAggregate.Created):
        organization_id: str
        default_role_slug: str | None
        priority: tuple[str, ...]

    @event(Created)
    def __init__(
        self,
        organization_id: str,
        default_role_slug: str | None,
        priority: tuple[str, ...],
        context: EventContext,
    ) -> None:
        """The organization takes the environment's default role and priority (role ids,
        highest first) as its own."""
        self.organization_id = organization_id
        self.default_role_slug = default_role_slug
        self.priority = priority
        self.roles: dict[str, Role] = {}

    @classmethod
    def customise(
        cls, organization_id: str, schema: AuthorizationSchema, context: EventContext
    ) -> OrganizationRoles:
        return cls(
            organization_id=organization_id,
            default_role_slug=schema.default_role_slug,
            priority=tuple(r.id for r in schema.roles.values()),
            context=context.for_organization(organization_id),
        )

    def trigger_event(self, event_class: type[CanMutateAggregate[str]], **kwargs: Any) -> None:
        """Every event carries the organization id, whoever the command came from."""
        context: EventContext = kwargs["context"]
        kwargs["context"] = context.for_organization(self.organization_id)
        super().trigger_event(event_class, **kwargs)

    # Custom roles ------------------------------------------------------------

    def get_role(self, slug: str) -> Role:
        if slug not in self.roles:
            raise NotFound(f"Custom role not found in '{self.organization_id}': '{slug}'.")
        return self.roles[slug]

    def create_role(
        self,
        schema: AuthorizationSchema,
        context: EventContext,
        *,
        slug: str | None,
        name: str,
        description: str | None,
        resource_type_slug: str,
    ) -> Role:
        role_id = ids.new_id("role")
        if slug is None:
            slug = generated_slug(name, role_id)
        elif len(slug) > MAX_SLUG or not ORGANIZATION_ROLE_SLUG.match(slug):
            raise Invalid(
                f"Invalid custom role slug '{slug}': it starts with 'org-' and continues with"
                " lowercase letters and digits, single '-' or '_' between them.",
                code="invalid_slug",
                field="slug",
            )
        if slug in self.roles or slug in schema.roles:
            raise Conflict(
                f"A role with slug '{slug}' already exists for this organization.",
                code="organization_role_slug_conflict",
            )
        schema.require_type(resource_type_slug)
        current = tuple(r.id for r in effective_priority(schema, self))
        if current != self.priority:  # environment roles created since join the order first
            self._priority_order_set(current, context)
        role = Role(role_id, slug, name, description, resource_type_slug, ())
        self._role_created(role, context)
        return role

    class RoleCreated(roles.RoleCreated):
        pass

    @event(RoleCreated)
    def _role_created(self, role: Role, context: EventContext) -> None:
        self.roles[role.slug] = role
        self.priority = (*self.priority, role.id)

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
        self,
        schema: AuthorizationSchema,
        slug: str,
        permissions: tuple[str, ...],
        context: EventContext,
    ) -> None:
        self._set_permissions(schema, slug, permissions, context)

    class RolePermissionsSet(roles.RolePermissionsSet):
        pass

    @event(RolePermissionsSet)
    def _role_permissions_set(
        self, slug: str, permissions: tuple[str, ...], context: EventContext
    ) -> None:
        self.roles[slug] = replace(self.roles[slug], permissions=permissions)

    def add_role_permission(
        self, schema: AuthorizationSchema, slug: str, permission: str, context: EventContext
    ) -> None:
        self._add_permission(schema, slug, permission, context)

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

    def delete_role(self, slug: str, context: EventContext) -> Role:
        """Remove a custom role. The default role stays; who holds the role and where it is
        assigned is for the use case to settle first."""
        role = self.get_role(slug)
        if slug == self.default_role_slug:
            raise Conflict(
                f"Role '{slug}' is the organization's default role; make another role the"
                " default first.",
                code="role_is_default",
            )
        self._role_deleted(slug, role.id, context)
        return role

    def delete_all(self, context: EventContext) -> None:
        """The organization is deleted: so are its custom roles."""
        for role in list(self.roles.values()):
            self._role_deleted(role.slug, role.id, context)

    class RoleDeleted(IdgovAggregate.Event):
        slug: str
        role_id: str

    @event(RoleDeleted)
    def _role_deleted(self, slug: str, role_id: str, context: EventContext) -> None:
        del self.roles[slug]
        self.priority = tuple(i for i in self.priority if i != role_id)

    # Default role and priority ----------------------------------------------

    def set_default_role(
        self,
        schema: AuthorizationSchema,
        slug: str,
        context: EventContext,
        field: str = "default_role_slug",
    ) -> None:
        role = resolve(schema, self, slug)
        if role is None or role.resource_type_slug != ROOT_TYPE:
            raise Invalid(
                f"'{slug}' is not an organization-level role of this organization.",
                code="invalid_role",
                field=field,
            )
        if slug != self.default_role_slug:
            self._default_role_set(slug, context)

    class DefaultRoleSet(roles.DefaultRoleSet):
        pass

    @event(DefaultRoleSet)
    def _default_role_set(self, slug: str, context: EventContext) -> None:
        self.default_role_slug = slug

    def set_priority_order(
        self,
        schema: AuthorizationSchema,
        slugs: tuple[str, ...],
        context: EventContext,
        field: str = "priority_order",
    ) -> None:
        """Reorder every role the organization can use; ``slugs`` names each once."""
        usable = effective_priority(schema, self)
        if sorted(slugs) != sorted(r.slug for r in usable):
            raise Invalid(
                "The priority order must name every role of the organization exactly once.",
                code="invalid_priority_order",
                field=field,
            )
        by_slug = {r.slug: r.id for r in usable}
        wanted = tuple(by_slug[slug] for slug in slugs)
        if wanted != self.priority:
            self._priority_order_set(wanted, context)

    class PriorityOrderSet(IdgovAggregate.Event):
        priority: tuple[str, ...]

    @event(PriorityOrderSet)
    def _priority_order_set(self, priority: tuple[str, ...], context: EventContext) -> None:
        self.priority = priority
