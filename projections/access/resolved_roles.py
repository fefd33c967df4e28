"""Which organization-level roles of a membership count, resolved when something changes.

In single-role mode a membership holds one organization-level role: of its own role and its
groups' organization-level roles, the highest in its organization's priority order (its own
order first, then the environment's, see organization_roles.py); with ``multiple_roles``, all
of them. ``organization_role_holdings`` keeps the holdings that count, so a check reads them
instead of ranking roles at query time.

Every handler that changes one of its inputs (a membership's own roles, group links, group
role assignments, roles, a priority order, the mode) resolves the memberships it
touched again from the tables as they now are. Direct role assignments are not among the
inputs: an organization-level role is never assigned on a resource, only set on the
membership or given by a group. The result depends only on those tables, not on
the order their events arrived in, so partitions may be applied in any order and a rebuild
gives the same rows.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from psycopg import Cursor
from psycopg.rows import DictRow

from domain.authorization_schema import ROOT_TYPE

# A holding's role slug names the custom role of its organization, or an environment role (the
# two never share a slug), one probe each in ``roles_by_slug``.
_ROLE_OF_HOLDING = (
    " JOIN roles r ON r.slug = h.role_slug"
    " AND coalesce(r.organization_id, '') IN (h.organization_id, '')"
)

RESOLVED_ROLE_TABLES = [
    "CREATE TABLE IF NOT EXISTS organization_role_holdings ("
    " id text PRIMARY KEY, membership_id text NOT NULL, organization_id text NOT NULL,"
    " resource_id text NOT NULL)",
    "CREATE INDEX IF NOT EXISTS organization_role_holdings_by_membership ON"
    " organization_role_holdings (membership_id)",
    "CREATE INDEX IF NOT EXISTS organization_role_holdings_by_organization ON"
    " organization_role_holdings (organization_id)",
    # What a membership holds, with the role's id: every holding of a role on a resource type,
    # and of the organization-level ones those that count.
    "CREATE OR REPLACE VIEW effective_holdings AS"
    " SELECT h.*, r.id AS role_id FROM holdings h"
    + _ROLE_OF_HOLDING
    + f" WHERE r.resource_type_slug <> '{ROOT_TYPE}'"
    " OR EXISTS (SELECT 1 FROM organization_role_holdings o WHERE o.id = h.id)",
]


def resolve(cursor: Cursor[DictRow], memberships: str, params: Sequence[object] = ()) -> None:
    """Resolve again the organization-level roles of the memberships the condition selects (an
    SQL condition on ``membership_id`` and ``organization_id``, with its parameters).

    Ranked by their organization's own order (environment roles it does not list after it),
    then the environment's; a role held through several sources counts once per source.
    """
    cursor.execute(f"DELETE FROM organization_role_holdings WHERE {memberships}", params)
    cursor.execute(
        "INSERT INTO organization_role_holdings"
        " SELECT id, membership_id, organization_id, resource_id FROM ("
        " SELECT h.id, h.membership_id, h.organization_id, h.resource_id, rank() OVER ("
        " PARTITION BY h.membership_id, h.resource_id"
        " ORDER BY coalesce(p.position, 2147483647), r.priority, r.id) AS place"
        f" FROM (SELECT * FROM holdings WHERE {memberships}) h"
        + _ROLE_OF_HOLDING
        + " LEFT JOIN organization_role_priority p"
        " ON p.organization_id = h.organization_id AND p.role_id = r.id"
        f" WHERE r.resource_type_slug = '{ROOT_TYPE}') ranked"
        " WHERE place = 1"
        " OR coalesce((SELECT value = 'true' FROM settings WHERE key = 'multiple_roles'), false)",
        params,
    )


def resolve_memberships(cursor: Cursor[DictRow], membership_ids: Collection[str]) -> None:
    if membership_ids:
        resolve(cursor, "membership_id = ANY(%s)", (list(membership_ids),))


def resolve_membership(cursor: Cursor[DictRow], membership_id: str) -> None:
    resolve(cursor, "membership_id = %s", (membership_id,))


def resolve_group_members(cursor: Cursor[DictRow], group_id: str) -> None:
    resolve(
        cursor,
        "membership_id IN (SELECT membership_id FROM group_members WHERE group_id = %s)",
        (group_id,),
    )


def resolve_organization(cursor: Cursor[DictRow], organization_id: str) -> None:
    resolve(cursor, "organization_id = %s", (organization_id,))


def resolve_holders(cursor: Cursor[DictRow], role_slug: str) -> None:
    """The memberships holding an environment role of that slug, in any organization."""
    resolve(
        cursor,
        "membership_id IN (SELECT membership_id FROM holdings WHERE role_slug = %s)",
        (role_slug,),
    )


def resolve_everyone(cursor: Cursor[DictRow]) -> None:
    resolve(cursor, "true")
