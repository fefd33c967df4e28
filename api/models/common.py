"""Shapes shared by every area: the list envelope and strict request bodies."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from projections.pagination import Page

T = TypeVar("T")


class RequestBody(BaseModel):
    """Unknown fields are rejected, so a typo never silently does nothing."""

    model_config = ConfigDict(extra="forbid")


class ListMetadata(BaseModel):
    before: str | None
    after: str | None


class ListResponse(BaseModel, Generic[T]):
    object: Literal["list"] = "list"
    data: list[T]
    list_metadata: ListMetadata


def list_response(page: Page, render: Any) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [render(row) for row in page.rows],
        "list_metadata": {"before": page.before, "after": page.after},
    }
