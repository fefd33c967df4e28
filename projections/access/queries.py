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
