"""WorkOS cursor pagination (projections/pagination.py) against a real PostgreSQL table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import Connection
from psycopg.rows import DictRow, dict_row

from projections.pagination import Order, Page, PageRequest, fetch_page

SELECT = "SELECT * FROM items"
IDS = [f"item_{n:03d}" for n in range(23)]  # sortable, like ULID-based ids
EVEN = ["kind = %s"], ["even"]


@pytest.fixture(scope="module")
def conn(database_url: str) -> Iterator[Connection[DictRow]]:
    with psycopg.connect(database_url, row_factory=dict_row, autocommit=True) as connection:
        connection.execute("CREATE TABLE items (id text PRIMARY KEY, kind text NOT NULL)")
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO items (id, kind) VALUES (%s, %s)",
                [(i, "even" if n % 2 == 0 else "odd") for n, i in enumerate(IDS)],
            )
        yield connection


def page(
    conn: Connection[DictRow], filters: tuple[list[str], list[Any]] = ([], []), **request: Any
) -> Page:
    where, params = filters
    return fetch_page(conn, SELECT, where, params, PageRequest(**request))


def ids(result: Page) -> list[str]:
    return [row["id"] for row in result.rows]


def walk(conn: Connection[DictRow], order: Order, limit: int, filters: Any = ([], [])) -> list[str]:
    """Every item, following the onward cursor (``before`` for ``normal``) from the start."""
    onward = "before" if order == "normal" else "after"
    result = page(conn, filters, order=order, limit=limit)
    items = ids(result)
    while (cursor := getattr(result, onward)) is not None:
        result = page(conn, filters, order=order, limit=limit, **{onward: cursor})
        items += ids(result)
    return items


def test_first_page_in_each_order(conn: Connection[DictRow]) -> None:
    asc = page(conn, order="asc", limit=5)
    assert (ids(asc), asc.before, asc.after) == (IDS[:5], None, IDS[4])
    desc = page(conn, order="desc", limit=5)
    assert (ids(desc), desc.before, desc.after) == (IDS[::-1][:5], None, IDS[-5])
    normal = page(conn, order="normal", limit=5)
    # Newest first like desc, but the cursor to older items is named ``before``.
    assert (ids(normal), normal.before, normal.after) == (IDS[::-1][:5], IDS[-5], None)


def test_default_request_is_ten_newest_first(conn: Connection[DictRow]) -> None:
    result = page(conn)
    assert ids(result) == IDS[::-1][:10]


def test_asc_cursors_move_both_ways(conn: Connection[DictRow]) -> None:
    onward = page(conn, order="asc", limit=5, after=IDS[4])
    assert (ids(onward), onward.before, onward.after) == (IDS[5:10], IDS[5], IDS[9])
    back = page(conn, order="asc", limit=5, before=IDS[5])
    assert (ids(back), back.before, back.after) == (IDS[:5], None, IDS[4])
    middle = page(conn, order="asc", limit=3, before=IDS[10])
    assert (ids(middle), middle.before, middle.after) == (IDS[7:10], IDS[7], IDS[9])


def test_desc_cursors_move_both_ways(conn: Connection[DictRow]) -> None:
    newest_first = IDS[::-1]
    onward = page(conn, order="desc", limit=5, after=newest_first[4])
    assert (ids(onward), onward.before, onward.after) == (
        newest_first[5:10],
        newest_first[5],
        newest_first[9],
    )
    back = page(conn, order="desc", limit=5, before=newest_first[5])
    assert (ids(back), back.before, back.after) == (newest_first[:5], None, newest_first[4])


def test_normal_before_is_older_and_after_is_newer(conn: Connection[DictRow]) -> None:
    newest_first = IDS[::-1]
    older = page(conn, order="normal", limit=5, before=newest_first[4])
    assert ids(older) == newest_first[5:10]
    assert (older.before, older.after) == (newest_first[9], newest_first[5])
    newer = page(conn, order="normal", limit=5, after=newest_first[5])
    assert ids(newer) == newest_first[:5]  # still listed newest first
    assert (newer.before, newer.after) == (newest_first[4], None)


def test_last_page_has_no_onward_cursor(conn: Connection[DictRow]) -> None:
    last = page(conn, order="asc", limit=5, after=IDS[19])
    assert (ids(last), last.after) == (IDS[20:], None)
    exact = page(conn, order="asc", limit=3, after=IDS[19])
    assert (ids(exact), exact.after) == (IDS[20:], None)  # full, yet nothing follows
    beyond = page(conn, order="asc", limit=5, after=IDS[-1])
    assert (ids(beyond), beyond.before, beyond.after) == ([], None, None)


def test_a_cursor_whose_item_is_gone_still_works(conn: Connection[DictRow]) -> None:
    between = IDS[7] + "x"  # sorts between items 7 and 8, like a deleted item's id
    assert ids(page(conn, order="asc", limit=3, after=between)) == IDS[8:11]
    assert ids(page(conn, order="asc", limit=3, before=between)) == IDS[5:8]


def test_filters_and_cursors_combine(conn: Connection[DictRow]) -> None:
    even = IDS[::2]
    assert walk(conn, "asc", 4, EVEN) == even
    assert walk(conn, "desc", 4, EVEN) == even[::-1]
    assert walk(conn, "normal", 4, EVEN) == even[::-1]


def test_an_empty_list(conn: Connection[DictRow]) -> None:
    for order in ("asc", "desc", "normal"):
        result = page(conn, (["kind = %s"], ["none"]), order=order)
        assert (result.rows, result.before, result.after) == ([], None, None)


def test_a_qualified_key(conn: Connection[DictRow]) -> None:
    result = fetch_page(conn, "SELECT i.* FROM items i", [], [], PageRequest(limit=2), key="i.id")
    assert (ids(result), result.after) == (IDS[::-1][:2], IDS[-2])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    order=st.sampled_from(["asc", "desc", "normal"]),
    limit=st.integers(min_value=1, max_value=25),
)
def test_walking_onward_visits_every_item_once(
    conn: Connection[DictRow], order: Order, limit: int
) -> None:
    expected = IDS if order == "asc" else IDS[::-1]
    assert walk(conn, order, limit) == expected


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    order=st.sampled_from(["asc", "desc", "normal"]),
    limit=st.integers(min_value=1, max_value=25),
    start=st.integers(min_value=0, max_value=len(IDS) - 1),
)
def test_walking_back_from_any_item_visits_everything_before_it(
    conn: Connection[DictRow], order: Order, limit: int, start: int
) -> None:
    listed = IDS if order == "asc" else IDS[::-1]
    backward = "after" if order == "normal" else "before"
    result = page(conn, order=order, limit=limit, **{backward: listed[start]})
    pages = [ids(result)]
    while (cursor := getattr(result, backward)) is not None:
        result = page(conn, order=order, limit=limit, **{backward: cursor})
        pages.append(ids(result))
    assert [item for p in reversed(pages) for item in p] == listed[:start]
