"""What the API asks of the access read model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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


def organization_roles(conn: Connection[DictRow], organization_id: str) -> list[dict[str, Any]]:
    """Environment roles and the organization's custom roles, in its priority order: its own
    order once it has one (environment roles it does not name follow, in the environment's
    order), else the environment's."""
    return conn.execute(
        ROLES + " LEFT JOIN access.organization_role_priority o"
        " ON o.organization_id = %s AND o.role_id = r.id"
        " WHERE r.organization_id IS NULL OR r.organization_id = %s"
        " GROUP BY r.id, o.position ORDER BY o.position NULLS LAST, r.priority, r.id",
        (organization_id, organization_id),
    ).fetchall()


def organization_role(
    conn: Connection[DictRow], organization_id: str, slug: str
) -> dict[str, Any] | None:
    """The role a slug names in an organization: its custom role, else the environment's."""
    return conn.execute(
        ROLES + " WHERE r.slug = %s AND coalesce(r.organization_id, '') IN (%s, '')"
        " GROUP BY r.id ORDER BY r.organization_id NULLS LAST LIMIT 1",
        (slug, organization_id),
    ).fetchone()


def role_settings(conn: Connection[DictRow]) -> dict[str, Any]:
    default = conn.execute(
        "SELECT slug FROM access.roles WHERE organization_id IS NULL AND is_default"
    ).fetchone()
    multiple = conn.execute(
        "SELECT value FROM access.settings WHERE key = 'multiple_roles'"
    ).fetchone()
    return {
        "default_role_slug": default["slug"] if default else None,
        "multiple_roles": bool(multiple and multiple["value"]),
        "priority_order": [row["slug"] for row in environment_roles(conn)],
    }


def organization_role_settings(conn: Connection[DictRow], organization_id: str) -> dict[str, Any]:
    own = conn.execute(
        "SELECT default_role_slug FROM access.organization_role_settings"
        " WHERE organization_id = %s",
        (organization_id,),
    ).fetchone()
    environment = role_settings(conn)
    return {
        "organization_id": organization_id,
        "customized": own is not None,
        "default_role_slug": own["default_role_slug"] if own else environment["default_role_slug"],
        "priority_order": [row["slug"] for row in organization_roles(conn, organization_id)],
    }


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


def organizations_with_custom_roles(
    conn: Connection[DictRow],
    *,
    slug: str | None = None,
    permission_slugs: list[str] | None = None,
    resource_type_slugs: list[str] | None = None,
) -> list[str]:
    """Organizations with a custom role of that slug, holding one of the permissions, or scoped
    to or holding a permission of one of the types."""
    held_of_types = (
        "r.id IN (SELECT rp.role_id FROM access.role_permissions rp JOIN access.permissions p"
        " ON p.slug = rp.permission_slug WHERE p.resource_type_slug = ANY(%s))"
    )
    wanted: list[tuple[str, list[Any]]] = []
    if slug is not None:
        wanted.append(("r.slug = %s", [slug]))
    if permission_slugs:
        wanted.append(
            (
                "r.id IN (SELECT role_id FROM access.role_permissions"
                " WHERE permission_slug = ANY(%s))",
                [permission_slugs],
            )
        )
    if resource_type_slugs:
        wanted.append(("r.resource_type_slug = ANY(%s)", [resource_type_slugs]))
        wanted.append((held_of_types, [resource_type_slugs]))
    if not wanted:
        return []
    rows = conn.execute(
        "SELECT DISTINCT r.organization_id FROM access.roles r WHERE r.organization_id IS NOT"
        " NULL AND (" + " OR ".join(sql for sql, _ in wanted) + ") ORDER BY 1",
        [param for _, params in wanted for param in params],
    ).fetchall()
    return [row["organization_id"] for row in rows]


def organizations_defaulting_to(conn: Connection[DictRow], role_slug: str) -> list[str]:
    rows = conn.execute(
        "SELECT organization_id FROM access.organization_role_settings"
        " WHERE default_role_slug = %s ORDER BY 1",
        (role_slug,),
    ).fetchall()
    return [row["organization_id"] for row in rows]


def _grants_of_role(
    conn: Connection[DictRow],
    column: str,
    source: str,
    role_slug: str,
    organization_id: str | None,
) -> list[str]:
    """Grants of a role: in one organization, or (None) wherever the slug names the
    environment role."""
    where = (
        "g.organization_id = %s"
        if organization_id is not None
        else "NOT EXISTS (SELECT 1 FROM access.roles c WHERE c.organization_id = g.organization_id"
        " AND c.slug = g.role_slug)"
    )
    rows = conn.execute(
        f"SELECT DISTINCT g.{column} AS id FROM access.grants g"
        f" WHERE g.role_slug = %s AND g.source = %s AND {where} ORDER BY 1",
        [role_slug, source, *([organization_id] if organization_id is not None else [])],
    ).fetchall()
    return [row["id"] for row in rows]


def role_holder_ids(
    conn: Connection[DictRow], role_slug: str, organization_id: str | None = None
) -> list[str]:
    """Memberships (any status) holding the role at organization level."""
    return _grants_of_role(conn, "membership_id", "membership", role_slug, organization_id)


def role_assignment_ids(
    conn: Connection[DictRow], role_slug: str, organization_id: str | None = None
) -> list[str]:
    """Direct assignments of the role on resources."""
    return _grants_of_role(conn, "id", "direct", role_slug, organization_id)


def group_role_mapping_ids(
    conn: Connection[DictRow], role_slug: str, organization_id: str | None = None
) -> list[str]:
    """Groups' assignments of the role: in one organization, or (None) wherever the slug names
    the environment role."""
    where = (
        "a.organization_id = %s"
        if organization_id is not None
        else "NOT EXISTS (SELECT 1 FROM access.roles c WHERE c.organization_id = a.organization_id"
        " AND c.slug = a.role_slug)"
    )
    rows = conn.execute(
        f"SELECT a.id FROM access.group_role_assignments a WHERE a.role_slug = %s AND {where}"
        " ORDER BY 1",
        [role_slug, *([organization_id] if organization_id is not None else [])],
    ).fetchall()
    return [row["id"] for row in rows]


def multi_role_membership_ids(conn: Connection[DictRow]) -> list[str]:
    rows = conn.execute(
        "SELECT membership_id FROM access.grants WHERE source = 'membership'"
        " GROUP BY membership_id HAVING count(*) > 1 ORDER BY 1"
    ).fetchall()
    return [row["membership_id"] for row in rows]


# Checks and discovery --------------------------------------------------------


def organization_of_membership(conn: Connection[DictRow], membership_id: str) -> str | None:
    row = conn.execute(
        "SELECT organization_id FROM access.memberships WHERE id = %s", (membership_id,)
    ).fetchone()
    return str(row["organization_id"]) if row else None


def _held(resource: str, membership: str) -> str:
    """SQL, from FROM to WHERE: the roles (``g.role_id``) and their permissions (``rp``) the
    membership holds on the resource, directly on it, on an ancestor, or at organization level
    (on the root, an ancestor of everything), itself or through a group, while it is active
    (each argument an SQL expression). What it holds is what counts (``effective_holdings``):
    in single-role mode, one organization-level role.

    The holdings are looked up by index for each ancestor of the resource, a handful. The
    subquery's ``OFFSET 0`` keeps PostgreSQL from flattening it: flattened, once the tables
    have statistics, the planner reads every holding of the membership and every group role
    assignment for each check, which takes twice as long."""
    return (
        " FROM access.memberships m"
        f" JOIN access.resource_ancestors a ON a.resource_id = {resource}"
        " CROSS JOIN LATERAL (SELECT h.role_id FROM access.effective_holdings h"
        " WHERE h.membership_id = m.id AND h.resource_id = a.ancestor_id OFFSET 0) g"
        " JOIN access.role_permissions rp ON rp.role_id = g.role_id"
        f" WHERE m.id = {membership} AND m.status = 'active'"
    )


def _of_type(permission: str, resource_type: str) -> str:
    """SQL: whether the permission is an action on that resource type. Each permission is
    scoped to one: a role on an ancestor may hold permissions of its descendants' types, and
    each grants on resources of its own type only."""
    return (
        "EXISTS (SELECT 1 FROM access.permissions p"
        f" WHERE p.slug = {permission} AND p.resource_type_slug = {resource_type})"
    )


def _holds(resource: str, resource_type: str, membership: str, permission: str) -> str:
    """SQL: whether the membership holds the permission on the resource (of that type)."""
    return (
        f"({_of_type(permission, resource_type)} AND EXISTS (SELECT 1"
        f"{_held(resource, membership)} AND rp.permission_slug = {permission}))"
    )


@dataclass(frozen=True)
class CheckRequest:
    """One check: the resource by id, or by type and external id in the membership's
    organization."""

    membership_id: str
    permission_slug: str
    resource_id: str | None = None
    resource_type_slug: str | None = None
    external_id: str | None = None


# What a check (row c) asks about: its membership, and the resource it names in that
# membership's organization, by id or by external-id pair (none there: NULL).
_CHECKED = (
    " LEFT JOIN access.memberships mm ON mm.id = c.membership_id"
    " LEFT JOIN access.resources by_id"
    " ON by_id.id = c.resource_id AND by_id.organization_id = mm.organization_id"
    " LEFT JOIN access.resources by_external_id ON c.resource_id IS NULL"
    " AND by_external_id.organization_id = mm.organization_id"
    " AND by_external_id.resource_type_slug = c.type_slug"
    " AND by_external_id.external_id = c.external_id"
)
_TARGET = "coalesce(by_id.id, by_external_id.id)"
_TARGET_TYPE = "coalesce(by_id.resource_type_slug, by_external_id.resource_type_slug)"

# One check and the lookups it rests on, in one row: the membership's organization (NULL: no
# such membership), the resource (NULL: not in that organization), and the answer.
CHECK = (
    f"SELECT mm.organization_id, {_TARGET} AS resource_id, "
    + _holds(_TARGET, _TARGET_TYPE, "mm.id", "c.permission_slug")
    + " AS authorized FROM (SELECT %s::text AS membership_id, %s::text AS permission_slug,"
    " %s::text AS resource_id, %s::text AS type_slug, %s::text AS external_id) c" + _CHECKED
)

# Many checks in one row: their answers, in request order (an unknown membership or resource:
# not authorized).
CHECK_MANY = (
    "SELECT array_agg("
    + _holds(_TARGET, _TARGET_TYPE, "mm.id", "c.permission_slug")
    + " ORDER BY c.n) AS answers"
    " FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[]) WITH ORDINALITY"
    " AS c(membership_id, permission_slug, resource_id, type_slug, external_id, n)" + _CHECKED
)


def check_params(request: CheckRequest) -> tuple[str | None, ...]:
    return (
        request.membership_id,
        request.permission_slug,
        request.resource_id,
        request.resource_type_slug,
        request.external_id,
    )


def check_many_params(requests: Sequence[CheckRequest]) -> list[list[str | None]]:
    return [list(column) for column in zip(*map(check_params, requests), strict=True)]


def check(conn: Connection[DictRow], request: CheckRequest) -> bool:
    """One check, by index lookups (planned once per connection: a fraction of a millisecond).
    The API sends ``CHECK`` with its freshness probe, in one round trip."""
    row = conn.execute(CHECK, check_params(request)).fetchone()
    return bool(row and row["authorized"])


def check_many(conn: Connection[DictRow], requests: Sequence[CheckRequest]) -> list[bool]:
    """Answers in request order, from one statement: one round trip and one plan however many
    checks."""
    if not requests:
        return []
    row = conn.execute(CHECK_MANY, check_many_params(requests)).fetchone()
    assert row is not None  # an aggregate: always one row
    return [bool(answer) for answer in row["answers"]]


def effective_permissions(
    conn: Connection[DictRow], membership_id: str, resource_id: str, page: PageRequest
) -> Page:
    """The permissions of the resource's type the membership holds on it."""
    return fetch_page(
        conn,
        "SELECT * FROM access.permissions",
        [
            "resource_type_slug = (SELECT resource_type_slug FROM access.resources WHERE id = %s)",
            "slug IN (SELECT rp.permission_slug" + _held("%s", "%s") + ")",
        ],
        [resource_id, resource_id, membership_id],
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
    return fetch_page(
        conn,
        RESOURCES,
        [
            "parent_resource_id = %s",
            _holds("resources.id", "resources.resource_type_slug", "%s", "%s"),
        ],
        [parent_resource_id, permission_slug, membership_id, permission_slug],
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
        "id IN (SELECT g.membership_id FROM access.effective_holdings g"
        " JOIN access.resource_ancestors a ON a.ancestor_id = g.resource_id AND a.resource_id = %s"
        " JOIN access.role_permissions rp ON rp.role_id = g.role_id AND rp.permission_slug = %s"
        f" WHERE {reach})"
    )
    of_type = _of_type("%s", "(SELECT resource_type_slug FROM access.resources WHERE id = %s)")
    return fetch_page(
        conn,
        "SELECT * FROM access.memberships",
        [of_type, where, "status = 'active'"],
        [permission_slug, resource_id, resource_id, permission_slug],
        page,
    )


def role_assignments(
    conn: Connection[DictRow],
    page: PageRequest,
    *,
    assignment_id: str | None = None,
    membership_id: str | None = None,
    resource_id: str | None = None,
    role_slug: str | None = None,
    resource_type_slug: str | None = None,
) -> Page:
    filters = {
        "g.id": assignment_id,
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
        " FROM access.effective_holdings g JOIN access.resources res ON res.id = g.resource_id"
        " LEFT JOIN access.groups grp ON grp.id = g.group_id",
        [f"{column} = %s" for column in given],
        list(given.values()),
        page,
        key="g.id",
    )
