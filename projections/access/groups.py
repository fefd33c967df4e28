"""Groups, their members and their role assignments, and ``holdings``: every way a membership
holds a role on a resource.

A member's access through a group is not stored per member. ``holdings`` joins the group
links with the group's role assignments when a query asks, so adding a member, removing
one or changing a group's roles is one row, and removing one source of a role can never
remove the same role held through another (each source is its own row of the union). Only
which organization-level role counts is kept per member (resolved_roles.py), resolved again
for the members a change touches.
Derived holdings get a stable id computed from the membership and the group assignment.
"""

from __future__ import annotations

from psycopg import Cursor
from psycopg.rows import DictRow

from domain.events import DomainEvent
from domain.groups import Group, GroupMember, GroupRoleAssignment
from projections.access.resolved_roles import resolve_group_members, resolve_membership
from projections.base import Handler

GROUP_TABLES = [
    "CREATE TABLE IF NOT EXISTS groups ("
    " id text PRIMARY KEY, organization_id text NOT NULL, name text NOT NULL, description text,"
    " created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)",
    "CREATE INDEX IF NOT EXISTS groups_by_organization ON groups (organization_id, id)",
    # One row per live (group, membership) link; the id is the link's.
    "CREATE TABLE IF NOT EXISTS group_members ("
    " id text PRIMARY KEY, group_id text NOT NULL, membership_id text NOT NULL,"
    " organization_id text NOT NULL, created_at timestamptz NOT NULL)",
    "CREATE INDEX IF NOT EXISTS group_members_by_group ON group_members (group_id, membership_id)",
    "CREATE INDEX IF NOT EXISTS group_members_by_membership ON group_members"
    " (membership_id, group_id)",
    "CREATE TABLE IF NOT EXISTS group_role_assignments ("
    " id text PRIMARY KEY, group_id text NOT NULL, organization_id text NOT NULL,"
    " role_slug text NOT NULL, resource_id text NOT NULL,"
    " created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)",
    "CREATE INDEX IF NOT EXISTS group_role_assignments_by_group ON group_role_assignments"
    " (group_id, id)",
    "CREATE INDEX IF NOT EXISTS group_role_assignments_by_resource ON group_role_assignments"
    " (resource_id, group_id)",
    "CREATE OR REPLACE VIEW holdings AS"
    " SELECT g.id, g.membership_id, g.organization_id, g.role_slug, g.resource_id, g.source,"
    " NULL::text AS group_role_assignment_id, NULL::text AS group_id, g.created_at, g.updated_at"
    " FROM grants g"
    " UNION ALL"
    " SELECT 'role_assignment_' || upper(substr(md5(l.membership_id || '/' || a.id), 1, 26)),"
    " l.membership_id, a.organization_id, a.role_slug, a.resource_id, 'group', a.id,"
    " a.group_id, greatest(l.created_at, a.created_at), greatest(l.created_at, a.updated_at)"
    " FROM group_members l JOIN group_role_assignments a ON a.group_id = l.group_id",
]


def _group_created(cursor: Cursor[DictRow], e: Group.Created) -> None:
    cursor.execute(
        "INSERT INTO groups VALUES (%s, %s, %s, %s, %s, %s)",
        (e.originator_id, e.organization_id, e.name, e.description, e.timestamp, e.timestamp),
    )


def _group_set(column: str) -> Handler:
    def handle(cursor: Cursor[DictRow], e: Group.Renamed | Group.Described) -> None:
        cursor.execute(
            f"UPDATE groups SET {column} = %s, updated_at = %s WHERE id = %s",
            (getattr(e, column), e.timestamp, e.originator_id),
        )

    return handle


def _group_deleted(cursor: Cursor[DictRow], e: Group.Deleted) -> None:
    """Its links and role assignments went before it, each by its own event."""
    cursor.execute("DELETE FROM groups WHERE id = %s", (e.originator_id,))


def _member_added(cursor: Cursor[DictRow], e: GroupMember.Added) -> None:
    cursor.execute(
        "INSERT INTO group_members VALUES (%s, %s, %s, %s, %s)",
        (e.originator_id, e.group_id, e.organization_membership_id, e.organization_id, e.timestamp),
    )
    resolve_membership(cursor, e.organization_membership_id)


def _member_removed(cursor: Cursor[DictRow], e: GroupMember.Removed) -> None:
    link = cursor.execute(
        "DELETE FROM group_members WHERE id = %s RETURNING membership_id", (e.originator_id,)
    ).fetchone()
    if link is not None:
        resolve_membership(cursor, link["membership_id"])


def _assignment_created(cursor: Cursor[DictRow], e: GroupRoleAssignment.Created) -> None:
    cursor.execute(
        "INSERT INTO group_role_assignments VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (
            e.originator_id,
            e.group_id,
            e.organization_id,
            e.role_slug,
            e.resource_id,
            e.timestamp,
            e.timestamp,
        ),
    )
    resolve_group_members(cursor, e.group_id)


def _assignment_removed(cursor: Cursor[DictRow], e: GroupRoleAssignment.Removed) -> None:
    assignment = cursor.execute(
        "DELETE FROM group_role_assignments WHERE id = %s RETURNING group_id", (e.originator_id,)
    ).fetchone()
    if assignment is not None:
        resolve_group_members(cursor, assignment["group_id"])


GROUP_HANDLERS: dict[type[DomainEvent], Handler] = {
    Group.Created: _group_created,
    Group.Renamed: _group_set("name"),
    Group.Described: _group_set("description"),
    Group.Deleted: _group_deleted,
    GroupMember.Added: _member_added,
    GroupMember.Removed: _member_removed,
    GroupRoleAssignment.Created: _assignment_created,
    GroupRoleAssignment.Removed: _assignment_removed,
}
