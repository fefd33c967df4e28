"""What the API asks of the audit read model."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from psycopg import Connection
from psycopg.rows import DictRow

from projections.pagination import Page, PageRequest, anywhere, fetch_page

EVENTS = "SELECT * FROM audit.events"


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
        ("names ILIKE %s", anywhere(where.search) if where.search else None),
    ):
        if value is not None:
            conditions.append(condition)
            params.append(value)
    found = fetch_page(conn, EVENTS, conditions, params, page, key="position")
    return replace(found, before=_cursor(found.before), after=_cursor(found.after))


def _cursor(position: Any) -> str | None:
    return None if position is None else str(position)
