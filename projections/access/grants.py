"""Resources, their ancestry, and who holds which role where: what checks are answered from.

``resource_ancestors`` is a closure table (every resource with itself and each ancestor), so
"is R under A" is one indexed lookup however deep the tree. ``grants`` holds every way a
membership holds a role on a resource: a direct assignment, or an organization-level role
of the membership (held on the organization's root resource).
"""

from __future__ import annotations

import hashlib

from psycopg import Cursor
from psycopg.rows import DictRow

from domain.events import DomainEvent
from domain.memberships import OrganizationMembership
from domain.resources import Resource, root_resource_id
from domain.role_assignments import RoleAssignment
from projections.access.resolved_roles import resolve_membership, resolve_memberships
from projections.base import Handler

RESOURCE_TABLES = [
    "CREATE TABLE IF NOT EXISTS resources ("
    " id text PRIMARY KEY, organization_id text NOT NULL, resource_type_slug text NOT NULL,"
    " external_id text NOT NULL, name text NOT NULL, description text, parent_resource_id text,"
    " created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL,"
    " UNIQUE (organization_id, resource_type_slug, external_id))",
    "CREATE INDEX IF NOT EXISTS resources_by_parent ON resources (parent_resource_id, id)",
    "CREATE INDEX IF NOT EXISTS resources_by_type ON resources (resource_type_slug, id)",
    "CREATE TABLE IF NOT EXISTS resource_ancestors ("
    " resource_id text NOT NULL, ancestor_id text NOT NULL, distance int NOT NULL,"
    " PRIMARY KEY (resource_id, ancestor_id))",
    "CREATE INDEX IF NOT EXISTS resource_descendants ON resource_ancestors (ancestor_id, distance)",
    "CREATE TABLE IF NOT EXISTS memberships ("
    " id text PRIMARY KEY, organization_id text NOT NULL, user_id text NOT NULL, status text NOT"
    " NULL)",
    "CREATE TABLE IF NOT EXISTS grants ("
    " id text PRIMARY KEY, membership_id text NOT NULL, organization_id text NOT NULL,"
    " role_slug text NOT NULL, resource_id text NOT NULL,"
    " source text NOT NULL CHECK (source IN ('direct', 'membership')),"
    " created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)",
    "CREATE INDEX IF NOT EXISTS grants_by_membership ON grants (membership_id, resource_id)",
    "CREATE INDEX IF NOT EXISTS grants_by_resource ON grants (resource_id, membership_id)",
]


def membership_grant_id(membership_id: str, role_slug: str) -> str:
    """Organization-level roles have no assignment aggregate; their grant id is derived."""
    digest = hashlib.sha256(f"{membership_id}/{role_slug}".encode()).hexdigest()[:26].upper()
    return f"role_assignment_{digest}"


def _resource_created(cursor: Cursor[DictRow], e: Resource.Created) -> None:
    cursor.execute(
        "INSERT INTO resources VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            e.originator_id,
            e.organization_id,
            e.resource_type_slug,
            e.external_id,
            e.name,
            e.description,
            e.parent_resource_id,
            e.timestamp,
            e.timestamp,
        ),
    )
    cursor.execute(
        "INSERT INTO resource_ancestors SELECT %s, %s, 0"
        " UNION ALL SELECT %s, ancestor_id, distance + 1 FROM resource_ancestors WHERE"
        " resource_id = %s",
        (e.originator_id, e.originator_id, e.originator_id, e.parent_resource_id),
    )


def _resource_set(column: str) -> Handler:
    def handle(cursor: Cursor[DictRow], e: Resource.Renamed | Resource.Described) -> None:
        cursor.execute(
            f"UPDATE resources SET {column} = %s, updated_at = %s WHERE id = %s",
            (getattr(e, column), e.timestamp, e.originator_id),
        )

    return handle


def _resource_moved(cursor: Cursor[DictRow], e: Resource.Moved) -> None:
    """Re-hang the subtree: drop its links to the old ancestors, link it to the new ones."""
    moved = e.originator_id
    cursor.execute(
        "DELETE FROM resource_ancestors WHERE"
        " resource_id IN (SELECT resource_id FROM resource_ancestors WHERE ancestor_id = %s)"
        " AND ancestor_id IN (SELECT ancestor_id FROM resource_ancestors WHERE resource_id = %s"
        " AND distance > 0)",
        (moved, moved),
    )
    cursor.execute(
        "INSERT INTO resource_ancestors"
        " SELECT below.resource_id, above.ancestor_id, below.distance + above.distance + 1"
        " FROM resource_ancestors below, resource_ancestors above"
        " WHERE below.ancestor_id = %s AND above.resource_id = %s",
        (moved, e.parent_resource_id),
    )
    cursor.execute(
        "UPDATE resources SET parent_resource_id = %s, updated_at = %s WHERE id = %s",
        (e.parent_resource_id, e.timestamp, moved),
    )


def _resource_deleted(cursor: Cursor[DictRow], e: Resource.Deleted) -> None:
    cursor.execute(
        "DELETE FROM resource_ancestors WHERE resource_id = %s OR ancestor_id = %s",
        (e.originator_id,) * 2,
    )
    held_there = cursor.execute(
        "DELETE FROM grants WHERE resource_id = %s RETURNING membership_id, source",
        (e.originator_id,),
    ).fetchall()
    cursor.execute("DELETE FROM resources WHERE id = %s", (e.originator_id,))
    # Organization-level roles are held on the root: its holders resolve theirs again.
    resolve_memberships(
        cursor, {row["membership_id"] for row in held_there if row["source"] == "membership"}
    )


def _assignment_created(cursor: Cursor[DictRow], e: RoleAssignment.Created) -> None:
    cursor.execute(
        "INSERT INTO grants VALUES (%s, %s, %s, %s, %s, 'direct', %s, %s)",
        (
            e.originator_id,
            e.organization_membership_id,
            e.organization_id,
            e.role_slug,
            e.resource_id,
            e.timestamp,
            e.timestamp,
        ),
    )


def _assignment_removed(cursor: Cursor[DictRow], e: RoleAssignment.Removed) -> None:
    cursor.execute("DELETE FROM grants WHERE id = %s", (e.originator_id,))


def _membership_roles(
    cursor: Cursor[DictRow], membership_id: str, roles: tuple[str, ...], e: DomainEvent
) -> None:
    row = cursor.execute(
        "SELECT organization_id FROM memberships WHERE id = %s", (membership_id,)
    ).fetchone()
    assert row is not None, f"unknown membership {membership_id!r}"
    organization_id = row["organization_id"]
    cursor.execute(
        "DELETE FROM grants WHERE membership_id = %s AND source = 'membership' AND NOT (role_slug"
        " = ANY(%s))",
        (membership_id, list(roles)),
    )
    cursor.executemany(
        "INSERT INTO grants VALUES (%s, %s, %s, %s, %s, 'membership', %s, %s) ON CONFLICT (id) DO"
        " NOTHING",
        [
            (
                membership_grant_id(membership_id, slug),
                membership_id,
                organization_id,
                slug,
                root_resource_id(organization_id),
                e.timestamp,
                e.timestamp,
            )
            for slug in roles
        ],
    )
    resolve_membership(cursor, membership_id)


def _membership_created(cursor: Cursor[DictRow], e: OrganizationMembership.Created) -> None:
    cursor.execute(
        "INSERT INTO memberships VALUES (%s, %s, %s, %s)",
        (e.originator_id, e.organization_id, e.user_id, e.status),
    )
    _membership_roles(cursor, e.originator_id, e.role_slugs, e)


def _membership_roles_changed(
    cursor: Cursor[DictRow], e: OrganizationMembership.RolesChanged
) -> None:
    _membership_roles(cursor, e.originator_id, e.role_slugs, e)


def _membership_status(status: str) -> Handler:
    def handle(cursor: Cursor[DictRow], e: DomainEvent) -> None:
        cursor.execute(
            "UPDATE memberships SET status = %s WHERE id = %s", (status, e.originator_id)
        )

    return handle


def _membership_deleted(cursor: Cursor[DictRow], e: OrganizationMembership.Deleted) -> None:
    cursor.execute("DELETE FROM grants WHERE membership_id = %s", (e.originator_id,))
    cursor.execute("DELETE FROM memberships WHERE id = %s", (e.originator_id,))
    resolve_membership(cursor, e.originator_id)


RESOURCE_HANDLERS: dict[type[DomainEvent], Handler] = {
    Resource.Created: _resource_created,
    Resource.Renamed: _resource_set("name"),
    Resource.Described: _resource_set("description"),
    Resource.Moved: _resource_moved,
    Resource.Deleted: _resource_deleted,
    RoleAssignment.Created: _assignment_created,
    RoleAssignment.Removed: _assignment_removed,
    OrganizationMembership.Created: _membership_created,
    OrganizationMembership.RolesChanged: _membership_roles_changed,
    OrganizationMembership.Deactivated: _membership_status("inactive"),
    OrganizationMembership.Reactivated: _membership_status("active"),
    OrganizationMembership.Deleted: _membership_deleted,
}
