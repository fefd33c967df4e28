"""Organizations' own default role and priority order, as the access read model keeps them.

Custom roles themselves are rows of ``roles`` with their ``organization_id`` (see model.py).
An organization has a ``organization_role_settings`` row once it has roles of its own; its
priority order is ``organization_role_priority``: role ids and positions. Environment roles
it does not list follow, in the environment's order. The order names environment roles by
id without any constraint on ``roles``: environment events travel on another Kafka partition
and may arrive earlier or later than the organization's.

The priority order also decides which organization-level role a membership holds in
single-role mode; a change of it resolves the organization's memberships again
(resolved_roles.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from psycopg import Cursor
from psycopg.rows import DictRow

from domain.events import DomainEvent
from domain.organization_roles import OrganizationRoles
from domain.organizations import Organization
from projections.access.resolved_roles import resolve_organization
from projections.base import Handler

ORGANIZATION_ROLE_TABLES = [
    "CREATE TABLE IF NOT EXISTS organization_role_settings ("
    " organization_id text PRIMARY KEY, default_role_slug text,"
    " created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)",
    "CREATE INDEX IF NOT EXISTS organization_role_settings_by_default ON"
    " organization_role_settings (default_role_slug)",
    "CREATE TABLE IF NOT EXISTS organization_role_priority ("
    " organization_id text NOT NULL, role_id text NOT NULL, position int NOT NULL,"
    " PRIMARY KEY (organization_id, role_id))",
    # What deleting a role asks: who holds it, where it is assigned, which custom roles exist.
    "CREATE INDEX IF NOT EXISTS grants_by_role ON grants (role_slug, organization_id)",
    "CREATE INDEX IF NOT EXISTS custom_roles_by_slug ON roles (slug) WHERE organization_id IS"
    " NOT NULL",
    "CREATE INDEX IF NOT EXISTS custom_roles_by_type ON roles (resource_type_slug) WHERE"
    " organization_id IS NOT NULL",
]


def organization_of(e: DomainEvent) -> str:
    organization_id = e.context.organization_id
    assert organization_id is not None, f"{type(e).__qualname__} without its organization"
    return organization_id


def _replace_priority(
    cursor: Cursor[DictRow], organization_id: str, role_ids: Iterable[str]
) -> None:
    cursor.execute(
        "DELETE FROM organization_role_priority WHERE organization_id = %s", (organization_id,)
    )
    cursor.executemany(
        "INSERT INTO organization_role_priority VALUES (%s, %s, %s)",
        [(organization_id, role_id, index) for index, role_id in enumerate(role_ids)],
    )
    resolve_organization(cursor, organization_id)


def _customised(cursor: Cursor[DictRow], e: OrganizationRoles.Created) -> None:
    organization_id = organization_of(e)
    cursor.execute(
        "INSERT INTO organization_role_settings VALUES (%s, %s, %s, %s)",
        (organization_id, e.default_role_slug, e.timestamp, e.timestamp),
    )
    _replace_priority(cursor, organization_id, e.priority)


def append_to_priority(cursor: Cursor[DictRow], organization_id: str, role_id: str) -> None:
    cursor.execute(
        "INSERT INTO organization_role_priority SELECT %s, %s, coalesce(max(position) + 1, 0)"
        " FROM organization_role_priority WHERE organization_id = %s",
        (organization_id, role_id, organization_id),
    )
    resolve_organization(cursor, organization_id)


def remove_from_priority(cursor: Cursor[DictRow], organization_id: str, role_id: str) -> None:
    cursor.execute(
        "DELETE FROM organization_role_priority WHERE organization_id = %s AND role_id = %s",
        (organization_id, role_id),
    )
    resolve_organization(cursor, organization_id)


def _default_role_set(cursor: Cursor[DictRow], e: OrganizationRoles.DefaultRoleSet) -> None:
    cursor.execute(
        "UPDATE organization_role_settings SET default_role_slug = %s, updated_at = %s"
        " WHERE organization_id = %s",
        (e.slug, e.timestamp, organization_of(e)),
    )


def _priority_order_set(cursor: Cursor[DictRow], e: OrganizationRoles.PriorityOrderSet) -> None:
    organization_id = organization_of(e)
    _replace_priority(cursor, organization_id, e.priority)
    cursor.execute(
        "UPDATE organization_role_settings SET updated_at = %s WHERE organization_id = %s",
        (e.timestamp, organization_id),
    )


def _organization_deleted(cursor: Cursor[DictRow], e: Organization.Deleted) -> None:
    """Its custom roles went before it, each by its own event; what is left is its settings."""
    for table in ("organization_role_settings", "organization_role_priority"):
        cursor.execute(f"DELETE FROM {table} WHERE organization_id = %s", (e.originator_id,))
    resolve_organization(cursor, e.originator_id)


ORGANIZATION_ROLE_HANDLERS: dict[type[DomainEvent], Handler] = {
    OrganizationRoles.Created: _customised,
    OrganizationRoles.DefaultRoleSet: _default_role_set,
    OrganizationRoles.PriorityOrderSet: _priority_order_set,
    Organization.Deleted: _organization_deleted,
}
