"""Resource types, /authorization/resource_types: an idgov extension (WorkOS has no API for them).

``organization`` is the implicit root type and is not listed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from psycopg import Connection
from psycopg.rows import DictRow

from api.deps import AccessReads, Answer, CommandContext, Commands
from api.models.authorization import (
    ResourceTypeCreate,
    ResourceTypePublic,
    ResourceTypeUpdate,
    render_resource_type,
)
from api.models.common import ListResponse
from domain.errors import NotFound
from projections.access import queries

router = APIRouter(prefix="/authorization/resource_types", tags=["authorization"])


def _resource_type(conn: Connection[DictRow], slug: str) -> dict[str, Any]:
    row = queries.resource_type(conn, slug)
    if row is None:
        raise NotFound(f"Resource type not found: '{slug}'.")
    return render_resource_type(row)


@router.post("", response_model=ResourceTypePublic, status_code=status.HTTP_201_CREATED)
def create_resource_type(
    body: ResourceTypeCreate,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> dict[str, Any]:
    result = commands.schema.create_resource_type(context, **body.model_dump())
    return answer.read(result, "access", _resource_type, result.value)


@router.get("", response_model=ListResponse[ResourceTypePublic])
def list_resource_types(reads: AccessReads) -> dict[str, Any]:
    """Every type in one page: an environment holds at most 50."""
    with reads.connection() as reader:
        rows = queries.resource_types(reader)
        return {
            "object": "list",
            "data": [render_resource_type(row) for row in rows],
            "list_metadata": {"before": None, "after": None},
        }


@router.get("/{slug}", response_model=ResourceTypePublic)
def get_resource_type(slug: str, reads: AccessReads) -> dict[str, Any]:
    with reads.connection() as reader:
        return _resource_type(reader, slug)


@router.patch("/{slug}", response_model=ResourceTypePublic)
def update_resource_type(
    slug: str,
    body: ResourceTypeUpdate,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> dict[str, Any]:
    result = commands.schema.update_resource_type(
        context, slug, **body.model_dump(exclude_unset=True)
    )
    return answer.read(result, "access", _resource_type, result.value)


@router.delete("/{slug}", status_code=status.HTTP_204_NO_CONTENT)
def delete_resource_type(
    slug: str, commands: Commands, context: CommandContext, answer: Answer
) -> Response:
    result = commands.schema.delete_resource_type(context, slug)
    return answer.status(result, status.HTTP_204_NO_CONTENT)
