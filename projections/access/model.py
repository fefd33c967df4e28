"""Tables of the access read model, and how each event changes them."""

from __future__ import annotations

from typing import Any

from psycopg import Cursor
from psycopg.rows import DictRow

from domain import roles
from domain.authorization_schema import SCHEMA_ID, AuthorizationSchema
from domain.events import DomainEvent
from domain.organization_roles import OrganizationRoles
from projections.access.grants import RESOURCE_HANDLERS, RESOURCE_TABLES
from projections.access.groups import GROUP_HANDLERS, GROUP_TABLES
from projections.access.organization_roles import (
    ORGANIZATION_ROLE_HANDLERS,
    ORGANIZATION_ROLE_TABLES,
    append_to_priority,
    organization_of,
    remove_from_priority,
)
from projections.access.resolved_roles import (
    RESOLVED_ROLE_TABLES,
    resolve_everyone,
    resolve_holders,
)
from projections.base import Handler, ReadModel


class AccessModel(ReadModel):
    name = "access"

    def tables(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS resource_types ("
            " slug text PRIMARY KEY, name text NOT NULL, description text,"
            " parent_type_slugs text[] NOT NULL, created_at timestamptz NOT NULL, updated_at"
            " timestamptz NOT NULL)",
            "CREATE TABLE IF NOT EXISTS permissions ("
            " slug text PRIMARY KEY, id text NOT NULL UNIQUE, name text NOT NULL, description text,"
            " resource_type_slug text NOT NULL, system boolean NOT NULL,"
            " created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)",
            # Environment roles (organization_id NULL, in priority order) and organizations'
            # custom roles. Slugs are unique per organization and among environment roles; the
            # two kinds arrive on different Kafka partitions, and the index never compares them.
            "CREATE TABLE IF NOT EXISTS roles ("
            " id text PRIMARY KEY, slug text NOT NULL, organization_id text, name text NOT NULL,"
            " description text, resource_type_slug text NOT NULL, priority bigint NOT NULL,"
            " is_default boolean NOT NULL DEFAULT false,"
            " created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)",
            "CREATE UNIQUE INDEX IF NOT EXISTS roles_by_slug ON roles (coalesce(organization_id,"
            " ''), slug)",
            "CREATE TABLE IF NOT EXISTS role_permissions ("
            " role_id text NOT NULL REFERENCES roles (id) ON DELETE CASCADE, permission_slug text"
            " NOT NULL,"
            " position int NOT NULL, PRIMARY KEY (role_id, permission_slug))",
            "CREATE INDEX IF NOT EXISTS role_permissions_by_permission ON role_permissions"
            " (permission_slug)",
            "CREATE TABLE IF NOT EXISTS settings (key text PRIMARY KEY, value jsonb NOT NULL)",
            *RESOURCE_TABLES,
            *GROUP_TABLES,
            *ORGANIZATION_ROLE_TABLES,
            *RESOLVED_ROLE_TABLES,
        ]

    def handlers(self) -> dict[type[Any], Handler]:
        return {
            AuthorizationSchema.ResourceTypeCreated: _type_created,
            AuthorizationSchema.ResourceTypeRenamed: _type_set("name"),
            AuthorizationSchema.ResourceTypeDescribed: _type_set("description"),
            AuthorizationSchema.ResourceTypeReparented: _type_set("parent_type_slugs"),
            AuthorizationSchema.ResourceTypeDeleted: _type_deleted,
            AuthorizationSchema.PermissionCreated: _permission_created,
            AuthorizationSchema.PermissionRenamed: _permission_set("name"),
            AuthorizationSchema.PermissionDescribed: _permission_set("description"),
            AuthorizationSchema.PermissionDeleted: _permission_deleted,
            AuthorizationSchema.RoleCreated: _environment_role_created,
            AuthorizationSchema.RoleRenamed: _role_set("name"),
            AuthorizationSchema.RoleDescribed: _role_set("description"),
            AuthorizationSchema.RolePermissionsSet: _role_permissions_set,
            AuthorizationSchema.RolePermissionAdded: _role_permission_added,
            AuthorizationSchema.RolePermissionRemoved: _role_permission_removed,
            AuthorizationSchema.RoleDeleted: _environment_role_deleted,
            AuthorizationSchema.PriorityOrderSet: _priority_order_set,
            AuthorizationSchema.DefaultRoleSet: _default_role_set,
            AuthorizationSchema.MultipleRolesSet: _multiple_roles_set,
            OrganizationRoles.RoleCreated: _custom_role_created,
            OrganizationRoles.RoleRenamed: _role_set("name"),
            OrganizationRoles.RoleDescribed: _role_set("description"),
            OrganizationRoles.RolePermissionsSet: _role_permissions_set,
            OrganizationRoles.RolePermissionAdded: _role_permission_added,
            OrganizationRoles.RolePermissionRemoved: _role_permission_removed,
            OrganizationRoles.RoleDeleted: _custom_role_deleted,
            **ORGANIZATION_ROLE_HANDLERS,
            **RESOURCE_HANDLERS,
            **GROUP_HANDLERS,
        }


def _type_created(cursor: Cursor[DictRow], e: AuthorizationSchema.ResourceTypeCreated) -> None:
    t = e.resource_type
    cursor.execute(
        "INSERT INTO resource_types VALUES (%s, %s, %s, %s, %s, %s)",
        (t.slug, t.name, t.description, list(t.parent_type_slugs), e.timestamp, e.timestamp),
    )


def _type_set(column: str) -> Handler:
    def handle(
        cursor: Cursor[DictRow],
        e: AuthorizationSchema.ResourceTypeRenamed
        | AuthorizationSchema.ResourceTypeDescribed
        | AuthorizationSchema.ResourceTypeReparented,
    ) -> None:
        value = getattr(e, column)
        cursor.execute(
            f"UPDATE resource_types SET {column} = %s, updated_at = %s WHERE slug = %s",
            (list(value) if isinstance(value, tuple) else value, e.timestamp, e.slug),
        )

    return handle


def _type_deleted(cursor: Cursor[DictRow], e: AuthorizationSchema.ResourceTypeDeleted) -> None:
    cursor.execute("DELETE FROM resource_types WHERE slug = %s", (e.slug,))


def _permission_created(cursor: Cursor[DictRow], e: AuthorizationSchema.PermissionCreated) -> None:
    p = e.permission
    cursor.execute(
        "INSERT INTO permissions VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (
            p.slug,
            p.id,
            p.name,
            p.description,
            p.resource_type_slug,
            p.system,
            e.timestamp,
            e.timestamp,
        ),
    )


def _permission_set(column: str) -> Handler:
    def handle(
        cursor: Cursor[DictRow],
        e: AuthorizationSchema.PermissionRenamed | AuthorizationSchema.PermissionDescribed,
    ) -> None:
        cursor.execute(
            f"UPDATE permissions SET {column} = %s, updated_at = %s WHERE slug = %s",
            (getattr(e, column), e.timestamp, e.slug),
        )

    return handle


def _permission_deleted(cursor: Cursor[DictRow], e: AuthorizationSchema.PermissionDeleted) -> None:
    cursor.execute("DELETE FROM permissions WHERE slug = %s", (e.slug,))


# The events that name a role by its slug, environment's or organization's.
_AboutRole = (
    roles.RoleRenamed
    | roles.RoleDescribed
    | roles.RolePermissionsSet
    | roles.RolePermissionAdded
    | roles.RolePermissionRemoved
    | AuthorizationSchema.RoleDeleted
    | OrganizationRoles.RoleDeleted
)


def _scope(e: DomainEvent) -> str | None:
    """The organization whose custom role an event is about; None for environment roles."""
    return None if e.originator_id == SCHEMA_ID else organization_of(e)


def _role_id(cursor: Cursor[DictRow], e: _AboutRole) -> str:
    row = cursor.execute(
        "SELECT id FROM roles WHERE coalesce(organization_id, '') = %s AND slug = %s",
        (_scope(e) or "", e.slug),
    ).fetchone()
    assert row is not None, f"unknown role {e.slug!r} of {_scope(e) or 'the environment'}"
    return str(row["id"])


def _role_created(cursor: Cursor[DictRow], e: roles.RoleCreated) -> None:
    r = e.role
    cursor.execute(
        "INSERT INTO roles (id, slug, organization_id, name, description, resource_type_slug,"
        " priority,"
        " created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            r.id,
            r.slug,
            _scope(e),
            r.name,
            r.description,
            r.resource_type_slug,
            e.originator_version,
            e.timestamp,
            e.timestamp,
        ),
    )
    _replace_permissions(cursor, r.id, r.permissions)


def _environment_role_created(cursor: Cursor[DictRow], e: AuthorizationSchema.RoleCreated) -> None:
    """Memberships may hold it already: their organization's events travel on other
    partitions."""
    _role_created(cursor, e)
    resolve_holders(cursor, e.role.slug)


def _custom_role_created(cursor: Cursor[DictRow], e: OrganizationRoles.RoleCreated) -> None:
    """New custom roles join the bottom of their organization's priority order."""
    _role_created(cursor, e)
    append_to_priority(cursor, organization_of(e), e.role.id)


def _role_set(column: str) -> Handler:
    def handle(cursor: Cursor[DictRow], e: roles.RoleRenamed | roles.RoleDescribed) -> None:
        cursor.execute(
            f"UPDATE roles SET {column} = %s, updated_at = %s WHERE id = %s",
            (getattr(e, column), e.timestamp, _role_id(cursor, e)),
        )

    return handle


def _role_deleted(
    cursor: Cursor[DictRow], e: AuthorizationSchema.RoleDeleted | OrganizationRoles.RoleDeleted
) -> None:
    cursor.execute("DELETE FROM roles WHERE id = %s", (_role_id(cursor, e),))


def _environment_role_deleted(cursor: Cursor[DictRow], e: AuthorizationSchema.RoleDeleted) -> None:
    _role_deleted(cursor, e)
    resolve_holders(cursor, e.slug)


def _custom_role_deleted(cursor: Cursor[DictRow], e: OrganizationRoles.RoleDeleted) -> None:
    _role_deleted(cursor, e)
    remove_from_priority(cursor, organization_of(e), e.role_id)


def _priority_order_set(cursor: Cursor[DictRow], e: AuthorizationSchema.PriorityOrderSet) -> None:
    cursor.executemany(
        "UPDATE roles SET priority = %s WHERE organization_id IS NULL AND slug = %s",
        [(index, slug) for index, slug in enumerate(e.slugs)],
    )
    resolve_everyone(cursor)


def _touch_role(cursor: Cursor[DictRow], role_id: str, e: DomainEvent) -> None:
    cursor.execute("UPDATE roles SET updated_at = %s WHERE id = %s", (e.timestamp, role_id))


def _replace_permissions(
    cursor: Cursor[DictRow], role_id: str, permissions: tuple[str, ...]
) -> None:
    cursor.execute("DELETE FROM role_permissions WHERE role_id = %s", (role_id,))
    cursor.executemany(
        "INSERT INTO role_permissions VALUES (%s, %s, %s)",
        [(role_id, slug, index) for index, slug in enumerate(permissions)],
    )


def _role_permissions_set(cursor: Cursor[DictRow], e: roles.RolePermissionsSet) -> None:
    role_id = _role_id(cursor, e)
    _replace_permissions(cursor, role_id, e.permissions)
    _touch_role(cursor, role_id, e)


def _role_permission_added(cursor: Cursor[DictRow], e: roles.RolePermissionAdded) -> None:
    role_id = _role_id(cursor, e)
    cursor.execute(
        "INSERT INTO role_permissions SELECT %s, %s, coalesce(max(position) + 1, 0)"
        " FROM role_permissions WHERE role_id = %s",
        (role_id, e.permission, role_id),
    )
    _touch_role(cursor, role_id, e)


def _role_permission_removed(cursor: Cursor[DictRow], e: roles.RolePermissionRemoved) -> None:
    role_id = _role_id(cursor, e)
    cursor.execute(
        "DELETE FROM role_permissions WHERE role_id = %s AND permission_slug = %s",
        (role_id, e.permission),
    )
    _touch_role(cursor, role_id, e)


def _default_role_set(cursor: Cursor[DictRow], e: AuthorizationSchema.DefaultRoleSet) -> None:
    cursor.execute(
        "UPDATE roles SET is_default = (slug = %s) WHERE organization_id IS NULL", (e.slug,)
    )


def _multiple_roles_set(cursor: Cursor[DictRow], e: AuthorizationSchema.MultipleRolesSet) -> None:
    cursor.execute(
        "INSERT INTO settings VALUES ('multiple_roles', to_jsonb(%s::boolean))"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (e.enabled,),
    )
    resolve_everyone(cursor)
