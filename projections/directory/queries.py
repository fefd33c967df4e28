"""What the API asks of the directory read model."""

from __future__ import annotations

from typing import Any

from psycopg import Connection
from psycopg.rows import DictRow

from projections.pagination import Page, PageRequest, fetch_page

ORGANIZATIONS = "SELECT * FROM directory.organizations"
USERS = "SELECT * FROM directory.users"
# A membership is shown with its organization's name and its user (WorkOS embeds both).
MEMBERSHIPS = (
    'SELECT m.*, o.name AS organization_name, to_jsonb(u) AS "user"'
    " FROM directory.memberships m"
    " JOIN directory.organizations o ON o.id = m.organization_id"
    " JOIN directory.users u ON u.id = m.user_id"
)


def _one(conn: Connection[DictRow], sql: str, *params: Any) -> dict[str, Any] | None:
    return conn.execute(sql, params).fetchone()


def organization(conn: Connection[DictRow], organization_id: str) -> dict[str, Any] | None:
    return _one(conn, ORGANIZATIONS + " WHERE id = %s", organization_id)


def organization_by_external_id(
    conn: Connection[DictRow], external_id: str
) -> dict[str, Any] | None:
    # Two rows only in the moment between one organization releasing the id and another
    # taking it (different partitions); the later change is the current owner.
    return _one(
        conn,
        ORGANIZATIONS + " WHERE external_id = %s ORDER BY updated_at DESC LIMIT 1",
        external_id,
    )


def organizations(
    conn: Connection[DictRow],
    page: PageRequest,
    *,
    domains: list[str] | None = None,
    search: str | None = None,
) -> Page:
    where: list[str] = []
    params: list[Any] = []
    if domains:
        where.append(
            "EXISTS (SELECT 1 FROM jsonb_array_elements(domains) d WHERE d->>'domain' = ANY(%s))"
        )
        params.append([d.lower() for d in domains])
    if search:
        where.append("name ILIKE %s")
        params.append("%" + _escape_like(search) + "%")
    return fetch_page(conn, ORGANIZATIONS, where, params, page)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def user(conn: Connection[DictRow], user_id: str) -> dict[str, Any] | None:
    return _one(conn, USERS + " WHERE id = %s", user_id)


def user_by_external_id(conn: Connection[DictRow], external_id: str) -> dict[str, Any] | None:
    return _one(conn, USERS + " WHERE external_id = %s", external_id)


def users(
    conn: Connection[DictRow],
    page: PageRequest,
    *,
    email: str | None = None,
    organization_id: str | None = None,
) -> Page:
    where: list[str] = []
    params: list[Any] = []
    if email:
        where.append("email = %s")
        params.append(email.lower())
    if organization_id:
        where.append("id IN (SELECT user_id FROM directory.memberships WHERE organization_id = %s)")
        params.append(organization_id)
    return fetch_page(conn, USERS, where, params, page)


def membership(conn: Connection[DictRow], membership_id: str) -> dict[str, Any] | None:
    return _one(conn, MEMBERSHIPS + " WHERE m.id = %s", membership_id)


def memberships(
    conn: Connection[DictRow],
    page: PageRequest,
    *,
    user_id: str | None = None,
    organization_id: str | None = None,
    statuses: list[str] | None = None,
) -> Page:
    where: list[str] = []
    params: list[Any] = []
    if user_id:
        where.append("m.user_id = %s")
        params.append(user_id)
    if organization_id:
        where.append("m.organization_id = %s")
        params.append(organization_id)
    where.append("m.status = ANY(%s)")
    params.append(statuses or ["active"])
    return fetch_page(conn, MEMBERSHIPS, where, params, page, key="m.id")


def membership_ids(
    conn: Connection[DictRow], *, organization_id: str | None = None, user_id: str | None = None
) -> list[str]:
    column = "organization_id" if organization_id else "user_id"
    value = organization_id or user_id
    sql = f"SELECT id FROM directory.memberships WHERE {column} = %s"
    rows = conn.execute(sql, (value,)).fetchall()
    return [row["id"] for row in rows]


def memberships_by_id(
    conn: Connection[DictRow], membership_ids: list[str]
) -> dict[str, dict[str, Any]]:
    rows = conn.execute(MEMBERSHIPS + " WHERE m.id = ANY(%s)", (membership_ids,)).fetchall()
    return {row["id"]: row for row in rows}


# One row: each listed membership that exists, with its organization (checked by a restricted key).
MEMBERSHIP_ORGANIZATIONS = (
    "SELECT coalesce(jsonb_object_agg(id, organization_id), '{}') AS organizations"
    " FROM directory.memberships WHERE id = ANY(%s)"
)
