"""What the API asks of the access read model."""

from __future__ import annotations

from typing import Any

from psycopg import Connection
from psycopg.rows import DictRow

from projections.pagination import Page, PageRequest, fetch_page

ROLES = (
    "SELECT r.*, coalesce(array_agg(rp.permission_slug ORDER BY rp.position)"
    " FILTER (WHERE rp.permission_slug IS NOT NULL), '{}') AS permissions"
    " FROM access.roles r LEFT JOIN access.role_permissions rp ON rp.role_id = r.id"
)


def resource_types(conn: Connection[DictRow]) -> list[dict[str, Any]]:
    """All of them: an environment has at most 50."""
    return conn.execute("SELECT * FROM access.resource_types ORDER BY created_at, slug").fetchall()


def resource_type(conn: Connection[DictRow], slug: str) -> dict[str, Any] | None:
    return conn.execute("SELECT * FROM access.resource_types WHERE slug = %s", (slug,)).fetchone()


def permissions(conn: Connection[DictRow], page: PageRequest) -> Page:
    return fetch_page(conn, "SELECT * FROM access.permissions", [], [], page)


def permission(conn: Connection[DictRow], slug: str) -> dict[str, Any] | None:
    return conn.execute("SELECT * FROM access.permissions WHERE slug = %s", (slug,)).fetchone()


def environment_roles(conn: Connection[DictRow]) -> list[dict[str, Any]]:
    """In priority order (new roles join at the bottom)."""
    return conn.execute(
        ROLES + " WHERE r.organization_id IS NULL GROUP BY r.id ORDER BY r.priority"
    ).fetchall()


def environment_role(conn: Connection[DictRow], slug: str) -> dict[str, Any] | None:
    return conn.execute(
        ROLES + " WHERE r.organization_id IS NULL AND r.slug = %s GROUP BY r.id", (slug,)
    ).fetchone()


# Resources -----------------------------------------------------------------

RESOURCES = "SELECT * FROM access.resources"


def resource(conn: Connection[DictRow], resource_id: str) -> dict[str, Any] | None:
    return conn.execute(RESOURCES + " WHERE id = %s", (resource_id,)).fetchone()


def resource_by_external_id(
    conn: Connection[DictRow], organization_id: str, resource_type_slug: str, external_id: str
) -> dict[str, Any] | None:
    return conn.execute(
        RESOURCES + " WHERE organization_id = %s AND resource_type_slug = %s AND external_id = %s",
        (organization_id, resource_type_slug, external_id),
    ).fetchone()


def resources(
    conn: Connection[DictRow],
    page: PageRequest,
    *,
    organization_id: str | None = None,
    resource_type_slug: str | None = None,
    external_id: str | None = None,
    parent_resource_id: str | None = None,
) -> Page:
    filters = {
        "organization_id": organization_id,
        "resource_type_slug": resource_type_slug,
        "external_id": external_id,
        "parent_resource_id": parent_resource_id,
    }
    given = {column: value for column, value in filters.items() if value is not None}
    return fetch_page(
        conn, RESOURCES, [f"{column} = %s" for column in given], list(given.values()), page
    )


# Cascades (what the command side asks before removing things) --------------


def descendant_ids(conn: Connection[DictRow], resource_id: str) -> list[str]:
    rows = conn.execute(
        "SELECT resource_id FROM access.resource_ancestors WHERE ancestor_id = %s AND distance > 0"
        " ORDER BY distance DESC, resource_id",
        (resource_id,),
    ).fetchall()
    return [row["resource_id"] for row in rows]


def resource_ids_of_organization(conn: Connection[DictRow], organization_id: str) -> list[str]:
    rows = conn.execute(
        "SELECT r.id FROM access.resources r JOIN access.resource_ancestors a"
        " ON a.resource_id = r.id AND a.ancestor_id = r.id"
        " WHERE r.organization_id = %s AND r.parent_resource_id IS NOT NULL"
        " ORDER BY (SELECT count(*) FROM access.resource_ancestors up WHERE up.resource_id ="
        " r.id) DESC, r.id",
        (organization_id,),
    ).fetchall()
    return [row["id"] for row in rows]


def assignment_ids(
    conn: Connection[DictRow],
    *,
    resource_ids: list[str] | None = None,
    membership_id: str | None = None,
) -> list[str]:
    column, value = (
        ("resource_id", resource_ids)
        if resource_ids is not None
        else ("membership_id", [membership_id])
    )
    rows = conn.execute(
        f"SELECT id FROM access.grants WHERE source = 'direct' AND {column} = ANY(%s) ORDER BY id",
        (value,),
    ).fetchall()
    return [row["id"] for row in rows]


# Checks and discovery --------------------------------------------------------

# The roles a membership holds on a resource: directly on it, on an ancestor, or at
# organization level (on the root, an ancestor of everything), itself or through a group,
# while it is active. Parameters: resource id, membership id.
_HELD = (
    " FROM access.memberships m"
    " JOIN access.holdings g ON g.membership_id = m.id"
    " JOIN access.resource_ancestors a ON a.ancestor_id = g.resource_id AND a.resource_id = %s"
    " JOIN access.roles r ON r.slug = g.role_slug AND r.organization_id IS NULL"
    " JOIN access.role_permissions rp ON rp.role_id = r.id"
    " WHERE m.id = %s AND m.status = 'active'"
)


def check(
    conn: Connection[DictRow], membership_id: str, permission_slug: str, resource_id: str
) -> bool:
    row = conn.execute(
        "SELECT EXISTS (SELECT 1" + _HELD + " AND rp.permission_slug = %s) AS authorized",
        (resource_id, membership_id, permission_slug),
    ).fetchone()
    return bool(row and row["authorized"])


def effective_permissions(
    conn: Connection[DictRow], membership_id: str, resource_id: str, page: PageRequest
) -> Page:
    return fetch_page(
        conn,
        "SELECT * FROM access.permissions",
        ["slug IN (SELECT rp.permission_slug" + _HELD + ")"],
        [resource_id, membership_id],
        page,
    )


def accessible_children(
    conn: Connection[DictRow],
    membership_id: str,
    permission_slug: str,
    parent_resource_id: str,
    page: PageRequest,
) -> Page:
    """Children of a parent on which the membership holds the permission, however it holds it."""
    held = (
        "EXISTS (SELECT 1 FROM access.memberships m"
        " JOIN access.holdings g ON g.membership_id = m.id"
        " JOIN access.resource_ancestors a ON a.ancestor_id = g.resource_id AND a.resource_id ="
        " resources.id"
        " JOIN access.roles r ON r.slug = g.role_slug AND r.organization_id IS NULL"
        " JOIN access.role_permissions rp ON rp.role_id = r.id AND rp.permission_slug = %s"
        " WHERE m.id = %s AND m.status = 'active')"
    )
    return fetch_page(
        conn,
        RESOURCES,
        ["parent_resource_id = %s", held],
        [parent_resource_id, permission_slug, membership_id],
        page,
    )


def memberships_with_permission(
    conn: Connection[DictRow],
    resource_id: str,
    permission_slug: str,
    *,
    indirect: bool,
    page: PageRequest,
) -> Page:
    """Active memberships holding the permission on the resource: through a role on the resource
    itself (direct), or also through an ancestor or organization-level role (indirect).

    A role a membership holds through a group is indirect even on the resource itself: direct
    means the membership's own, explicit assignment (what an access audit asks for)."""
    reach = "a.distance >= 0" if indirect else "a.distance = 0 AND g.source <> 'group'"
    where = (
        "id IN (SELECT g.membership_id FROM access.holdings g"
        " JOIN access.resource_ancestors a ON a.ancestor_id = g.resource_id AND a.resource_id = %s"
        " JOIN access.roles r ON r.slug = g.role_slug AND r.organization_id IS NULL"
        " JOIN access.role_permissions rp ON rp.role_id = r.id AND rp.permission_slug = %s"
        f" WHERE {reach})"
    )
    return fetch_page(
        conn,
        "SELECT * FROM access.memberships",
        [where, "status = 'active'"],
        [resource_id, permission_slug],
        page,
    )


def role_assignments(
    conn: Connection[DictRow],
    page: PageRequest,
    *,
    membership_id: str | None = None,
    resource_id: str | None = None,
    role_slug: str | None = None,
    resource_type_slug: str | None = None,
) -> Page:
    filters = {
        "g.membership_id": membership_id,
        "g.resource_id": resource_id,
        "g.role_slug": role_slug,
        "res.resource_type_slug": resource_type_slug,
    }
    given = {column: value for column, value in filters.items() if value is not None}
    return fetch_page(
        conn,
        "SELECT g.*, res.external_id AS resource_external_id, res.resource_type_slug,"
        " grp.name AS group_name"
        " FROM access.holdings g JOIN access.resources res ON res.id = g.resource_id"
        " LEFT JOIN access.groups grp ON grp.id = g.group_id",
        [f"{column} = %s" for column in given],
        list(given.values()),
        page,
        key="g.id",
    )
