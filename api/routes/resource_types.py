"""Resource types, /authorization/resource_types: an idgov extension (WorkOS has no API for them).

``organization`` is the implicit root type and is not listed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from api.deps import AccessReads, CommandContext, Commands, ServicesDep, committed, read_after
from api.models.authorization import (
    ResourceTypeCreate,
    ResourceTypePublic,
    ResourceTypeUpdate,
    render_resource_type,
)
from api.models.common import ListResponse
from domain.errors import NotFound
from domain.store import Committed
from projections.access import queries

router = APIRouter(prefix="/authorization/resource_types", tags=["authorization"])


def _answer(
    services: ServicesDep, response: Response, commands: Commands, result: Committed[str]
) -> dict[str, Any]:
    committed(response, result, commands)
    with read_after(services, "access", result.position) as conn:
        row = queries.resource_type(conn, result.value)
    if row is None:
        raise NotFound(f"Resource type not found: '{result.value}'.")
    return render_resource_type(row)


@router.post("", response_model=ResourceTypePublic, status_code=status.HTTP_201_CREATED)
def create_resource_type(
    body: ResourceTypeCreate,
    commands: Commands,
    services: ServicesDep,
    context: CommandContext,
    response: Response,
) -> dict[str, Any]:
    return _answer(
        services,
        response,
        commands,
        commands.schema.create_resource_type(context, **body.model_dump()),
    )


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
        row = queries.resource_type(reader, slug)
        if row is None:
            raise NotFound(f"Resource type not found: '{slug}'.")
        return render_resource_type(row)


@router.patch("/{slug}", response_model=ResourceTypePublic)
def update_resource_type(
    slug: str,
    body: ResourceTypeUpdate,
    commands: Commands,
    services: ServicesDep,
    context: CommandContext,
    response: Response,
) -> dict[str, Any]:
    result = commands.schema.update_resource_type(
        context, slug, **body.model_dump(exclude_unset=True)
    )
    return _answer(services, response, commands, result)


@router.delete("/{slug}", status_code=status.HTTP_204_NO_CONTENT)
def delete_resource_type(
    slug: str, commands: Commands, context: CommandContext, response: Response
) -> Response:
    result = commands.schema.delete_resource_type(context, slug)
    committed(response, result, commands)
    response.status_code = status.HTTP_204_NO_CONTENT
    return response
