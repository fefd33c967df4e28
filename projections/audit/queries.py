"""What the API asks of the audit read model."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from psycopg import Connection
from psycopg.rows import DictRow

from projections.pagination import Page, PageRequest, anywhere, fetch_page

EVENTS = "SELECT * FROM audit.events"
# Free text: in the names the record states, or in a target's or actor's name at its position.
SEARCH = (
    "(names ILIKE %s OR EXISTS (SELECT 1 FROM unnest(target_ids || actor_ids) AS t (id),"
    " LATERAL (SELECT n.name FROM audit.names n WHERE n.id = t.id"
    " AND n.position <= events.position ORDER BY n.position DESC LIMIT 1) AS named"
    " WHERE named.name ILIKE %s))"
)
MEMBERSHIP = ("organization_membership", "membership")
# The user of each membership, as its creation named it.
USERS_OF = (
    "SELECT o.id, r.key FROM audit.objects o, jsonb_each_text(o.related) r"
    " WHERE o.id = ANY(%s) AND r.value = 'user'"
)
# Each (id, position) asked with the name the id had at that position, if it had one.
NAMES_THEN = (
    "SELECT DISTINCT ON (t.id, t.at) t.id, t.at, n.name"
    " FROM unnest(%s::text[], %s::bigint[]) AS t (id, at)"
    " JOIN audit.names n ON n.id = t.id AND n.position <= t.at"
    " ORDER BY t.id, t.at, n.position DESC"
)


@dataclass(frozen=True)
class AuditFilter:
    """Which records to list; every given criterion must hold."""

    organization_id: str | None = None
    actor_id: str | None = None  # the acting credential or the principal it acted for
    target_id: str | None = None
    event_types: tuple[str, ...] = ()
    occurred_after: datetime | None = None
    occurred_before: datetime | None = None
    search: str | None = None  # in the names of the targets and actors, as they were then


def events(conn: Connection[DictRow], page: PageRequest, where: AuditFilter) -> Page:
    """One page in event-store order, the cursors being positions."""
    conditions: list[str] = []
    params: list[Any] = []
    for condition, value in (
        ("organization_id = %s", where.organization_id),
        ("actor_ids @> ARRAY[%s]", where.actor_id),
        ("target_ids @> ARRAY[%s]", where.target_id),
        ("event_type = ANY(%s)", list(where.event_types) or None),
        ("occurred_at >= %s", where.occurred_after),
        ("occurred_at < %s", where.occurred_before),
    ):
        if value is not None:
            conditions.append(condition)
            params.append(value)
    if where.search:
        conditions.append(SEARCH)
        params += [anywhere(where.search)] * 2
    found = fetch_page(conn, EVENTS, conditions, params, page, key="position")
    named = _named(conn, found.rows)
    return replace(found, rows=named, before=_cursor(found.before), after=_cursor(found.after))


def _named(conn: Connection[DictRow], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with each target and actor named as it was at the row's position; a membership
    goes by its user's name, as WorkOS shows it."""
    memberships = {
        target["id"] for row in rows for target in row["targets"] if target["type"] in MEMBERSHIP
    }
    users = {r["id"]: r["key"] for r in conn.execute(USERS_OF, (list(memberships),)).fetchall()}
    wanted = [
        (users.get(thing["id"], thing["id"]), row["position"])
        for row in rows
        for thing in [*row["targets"], row["actor"], row["on_behalf_of"]]
        if thing is not None
    ]
    found = conn.execute(NAMES_THEN, ([i for i, _ in wanted], [p for _, p in wanted])).fetchall()
    then = {(r["id"], r["at"]): r["name"] for r in found}
    for row in rows:
        for target in row["targets"]:
            target["name"] = then.get((users.get(target["id"], target["id"]), row["position"]))
        for actor in (row["actor"], row["on_behalf_of"]):
            if actor is not None:
                actor["name"] = actor["name"] or then.get((actor["id"], row["position"]))
    return rows


def _cursor(position: Any) -> str | None:
    return None if position is None else str(position)
