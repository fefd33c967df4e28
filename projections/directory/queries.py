"""What the API asks of the directory read model."""

from __future__ import annotations

from typing import Any

from psycopg import Connection
from psycopg.rows import DictRow

from projections.pagination import Page, PageRequest, fetch_page

ORGANIZATIONS = "SELECT * FROM directory.organizations"
USERS = "SELECT * FROM directory.users"
MEMBERSHIPS = (
    "SELECT m.*, o.name AS organization_name FROM directory.memberships m"
    " JOIN directory.organizations o ON o.id = m.organization_id"
)


def _one(conn: Connection[DictRow], sql: str, *params: Any) -> dict[str, Any] | None:
    return conn.execute(sql, params).fetchone()


def organization(conn: Connection[DictRow], organization_id: str) -> dict[str, Any] | None:
    return _one(conn, ORGANIZATIONS + " WHERE id = %s", organization_id)


def organization_by_external_id(conn: Connection[DictRow], external_id: str) -> dict[str, Any] | None:
    return _one(conn, ORGANIZATIONS + " WHERE external_id = %s", external_id)


def organizations(
    conn: Connection[DictRow], page: PageRequest, *, domains: list[str] | None = None, search: str | None = None
) -> Page:
    where: list[str] = []
    params: list[Any] = []
    if domains:
        where.append("EXISTS (SELECT 1 FROM jsonb_array_elements(domains) d WHERE d->>'domain' = ANY(%s))")
        params.append([d.lower() for d in domains])
    if search:
        where.append("name ILIKE %s")
        params.append("%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    return fetch_page(conn, ORGANIZATIONS, where, params, page)


def user(conn: Connection[DictRow], user_id: str) -> dict[str, Any] | None:
    return _one(conn, USERS + " WHERE id = %s", user_id)


def user_by_external_id(conn: Connection[DictRow], external_id: str) -> dict[str, Any] | None:
    return _one(conn, USERS + " WHERE external_id = %s", external_id)


def users(
    conn: Connection[DictRow], page: PageRequest, *, email: str | None = None, organization_id: str | None = None
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
    column, value = ("organization_id", organization_id) if organization_id else ("user_id", user_id)
    rows = conn.execute(f"SELECT id FROM directory.memberships WHERE {column} = %s", (value,)).fetchall()
    return [row["id"] for row in rows]
