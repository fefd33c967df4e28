"""Shapes shared by every area: strict request bodies, public objects and the list envelope."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, Self, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict

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


def _iso_8601(value: Any) -> Any:
    """Instants are ISO 8601 text, as documented: pydantic would also take a number of seconds."""
    if isinstance(value, str) and value.replace(".", "", 1).lstrip("-").isdigit():
        raise ValueError("an ISO 8601 instant, e.g. 2026-01-15T09:30:00Z")
    return value


Instant = Annotated[datetime, BeforeValidator(_iso_8601)]
