"""WorkOS cursor pagination over tables keyed by time-sortable ids.

``order`` is ``desc`` (newest first, the default), ``asc``, or ``normal`` (newest first,
but ``before`` means older and ``after`` newer). Cursors are object ids; the page is
fetched with one extra row to know whether another page follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from psycopg import Connection
from psycopg.rows import DictRow

Order = Literal["asc", "desc", "normal"]


@dataclass(frozen=True)
class PageRequest:
    limit: int = 10
    before: str | None = None
    after: str | None = None
    order: Order = "desc"


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    before: str | None
    after: str | None


def fetch_page(
    conn: Connection[DictRow],
    select: str,
    where: Sequence[str],
    params: Sequence[Any],
    request: PageRequest,
    key: str = "id",
) -> Page:
    """Run ``select`` (a SELECT … FROM … without WHERE/ORDER) for one page."""
    newest_first = request.order in ("desc", "normal")
    cursor = request.after or request.before
    # "normal" flips the cursors: before = older (onward in the list), after = newer.
    forward = cursor is None or ((request.after is not None) != (request.order == "normal"))
    toward_older = newest_first if forward else not newest_first
    conditions = list(where)
    values = list(params)
    if cursor is not None:
        conditions.append(f"{key} {'<' if toward_older else '>'} %s")
        values.append(cursor)
    sql = select
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    sql += f" ORDER BY {key} {'DESC' if toward_older else 'ASC'} LIMIT %s"
    values.append(request.limit + 1)
    rows = conn.execute(sql, values).fetchall()
    has_more = len(rows) > request.limit
    rows = rows[: request.limit]
    if not forward:
        rows.reverse()  # fetched against the list order; present in list order
    column = key.rpartition(".")[2]
    first = rows[0][column] if rows else None
    last = rows[-1][column] if rows else None
    if cursor is None:
        backward_cursor, onward_cursor = None, last if has_more else None
    elif forward:
        backward_cursor, onward_cursor = first, last if has_more else None
    else:
        backward_cursor, onward_cursor = first if has_more else None, last
    # Each cursor is returned under the name of the parameter that continues with it.
    if request.order == "normal":
        return Page(rows, before=onward_cursor, after=backward_cursor)
    return Page(rows, before=backward_cursor, after=onward_cursor)


def anywhere(text: str) -> str:
    """The ``LIKE`` pattern that finds ``text`` anywhere, its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
