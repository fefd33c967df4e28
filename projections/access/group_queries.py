"""What the API and the cascades ask of the access read model about groups."""

from __future__ import annotations

from typing import Any

from psycopg import Connection
from psycopg.rows import DictRow

from projections.pagination import Page, PageRequest, fetch_page

GROUPS = "SELECT * FROM access.groups"
ASSIGNMENTS = (
    "SELECT a.*, res.external_id AS resource_external_id, res.resource_type_slug"
    " FROM access.group_role_assignments a JOIN access.resources res ON res.id = a.resource_id"
)


def group(conn: Connection[DictRow], group_id: str) -> dict[str, Any] | None:
    return conn.execute(GROUPS + " WHERE id = %s", (group_id,)).fetchone()


def groups(
    conn: Connection[DictRow], organization_id: str, page: PageRequest, search: str | None = None
) -> Page:
    """An organization's groups; ``search`` matches a part of the name or the whole id."""
    where = ["organization_id = %s"]
    params: list[Any] = [organization_id]
    if search:
        where.append("(name ILIKE %s OR id = %s)")
        params += ["%" + _escape_like(search) + "%", search]
    return fetch_page(conn, GROUPS, where, params, page)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def membership_exists(conn: Connection[DictRow], membership_id: str) -> bool:
    row = conn.execute("SELECT 1 FROM access.memberships WHERE id = %s", (membership_id,))
    return row.fetchone() is not None


def groups_of_membership(conn: Connection[DictRow], membership_id: str, page: PageRequest) -> Page:
    return fetch_page(
        conn,
        GROUPS,
        ["id IN (SELECT group_id FROM access.group_members WHERE membership_id = %s)"],
        [membership_id],
        page,
    )


def member_ids(conn: Connection[DictRow], group_id: str, page: PageRequest) -> Page:
    """The group's members as a page of membership ids (the cursor is the membership id)."""
    return fetch_page(
        conn,
        "SELECT membership_id FROM access.group_members",
        ["group_id = %s"],
        [group_id],
        page,
        key="membership_id",
    )


def group_role_assignment(
    conn: Connection[DictRow], group_id: str, assignment_id: str
) -> dict[str, Any] | None:
    return conn.execute(
        ASSIGNMENTS + " WHERE a.group_id = %s AND a.id = %s", (group_id, assignment_id)
    ).fetchone()


def group_role_assignments(
    conn: Connection[DictRow],
    group_id: str,
    page: PageRequest,
    *,
    role_slug: str | None = None,
    resource_id: str | None = None,
) -> Page:
    where = ["a.group_id = %s"]
    params: list[Any] = [group_id]
    for column, value in (("a.role_slug", role_slug), ("a.resource_id", resource_id)):
        if value is not None:
            where.append(f"{column} = %s")
            params.append(value)
    return fetch_page(conn, ASSIGNMENTS, where, params, page, key="a.id")


# Cascades (what the command side asks before removing things) --------------


def group_ids_of_organization(conn: Connection[DictRow], organization_id: str) -> list[str]:
    rows = conn.execute(
        "SELECT id FROM access.groups WHERE organization_id = %s ORDER BY id", (organization_id,)
    ).fetchall()
    return [row["id"] for row in rows]


def group_member_ids(
    conn: Connection[DictRow], *, group_id: str | None = None, membership_id: str | None = None
) -> list[str]:
    column, value = (
        ("group_id", group_id) if group_id is not None else ("membership_id", membership_id)
    )
    rows = conn.execute(
        f"SELECT id FROM access.group_members WHERE {column} = %s ORDER BY id", (value,)
    ).fetchall()
    return [row["id"] for row in rows]


def group_role_assignment_ids(
    conn: Connection[DictRow], *, group_id: str | None = None, resource_ids: list[str] | None = None
) -> list[str]:
    column, value = (
        ("group_id", [group_id]) if group_id is not None else ("resource_id", resource_ids or [])
    )
    rows = conn.execute(
        f"SELECT id FROM access.group_role_assignments WHERE {column} = ANY(%s) ORDER BY id",
        (value,),
    ).fetchall()
    return [row["id"] for row in rows]
