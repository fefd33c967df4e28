"""Shapes shared by every area: strict request bodies, public objects and the list envelope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict

from projections.pagination import Page

T = TypeVar("T")


class RequestBody(BaseModel):
    """Unknown fields are rejected, so a typo never silently does nothing."""

    model_config = ConfigDict(extra="forbid")


class Public(BaseModel):
    """An object as the API answers it, made from a read-model row (``from_row``)."""

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        return cls.model_validate(row)


class ListMetadata(BaseModel):
    before: str | None
    after: str | None


class ListResponse(BaseModel, Generic[T]):
    object: Literal["list"] = "list"
    data: list[T]
    list_metadata: ListMetadata


def listed(page: Page, public: Callable[[dict[str, Any]], T]) -> ListResponse[T]:
    """A page of read-model rows, each made public, in WorkOS's list envelope."""
    return ListResponse[T](
        data=[public(row) for row in page.rows],
        list_metadata=ListMetadata(before=page.before, after=page.after),
    )
