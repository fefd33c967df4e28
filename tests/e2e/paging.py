"""Walking a WorkOS list page by page through the SDK, in every order, both ways."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ORDERS = ("asc", "desc", "normal")

Fetch = Callable[..., Any]  # an SDK list method with its filters bound; returns a SyncPage


def _ids(page: Any) -> list[str]:
    return [item.id for item in page.data]


def walk(fetch: Fetch, order: str, limit: int) -> list[list[str]]:
    """The pages of the list from its start, following the onward cursor to the end.

    Then walks back from the last page with the backward cursor and checks it meets the
    same pages. ``normal`` lists newest first but ``before`` means older, so there the
    onward cursor is ``before``.
    """
    onward, backward = ("before", "after") if order == "normal" else ("after", "before")
    page = fetch(order=order, limit=limit)
    assert getattr(page.list_metadata, backward) is None, "the first page has nothing before it"
    pages = [_ids(page)]
    while (cursor := getattr(page.list_metadata, onward)) is not None:
        page = fetch(order=order, limit=limit, **{onward: cursor})
        pages.append(_ids(page))
    back = [pages[-1]]
    while (cursor := getattr(page.list_metadata, backward)) is not None:
        page = fetch(order=order, limit=limit, **{backward: cursor})
        back.append(_ids(page))
    assert back[::-1] == pages, "walking back meets the same pages"
    return pages


def assert_pages_cover(fetch: Fetch, expected_ids: set[str], limit: int = 3) -> None:
    """In every order, the pages hold each expected item exactly once, in creation order."""
    ascending = sorted(expected_ids)
    for order in ORDERS:
        pages = walk(fetch, order, limit)
        assert all(0 < len(p) <= limit for p in pages), (order, pages)
        items = [item for p in pages for item in p]
        wanted = ascending if order == "asc" else ascending[::-1]
        assert items == wanted, order
    for order in ("asc", "desc"):  # the SDK's own iteration follows ``after``
        items = [item.id for item in fetch(order=order, limit=limit).auto_paging_iter()]
        assert items == (ascending if order == "asc" else ascending[::-1])
