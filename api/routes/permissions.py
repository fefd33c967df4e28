"""WorkOS Authorization API: permissions, /authorization/permissions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from api.deps import (
    AccessReads,
    CommandContext,
    Commands,
    Pagination,
    ServicesDep,
    committed,
    read_after,
)
from api.models.authorization import (
    PermissionCreate,
    PermissionPublic,
    PermissionUpdate,
    render_permission,
)
from api.models.common import ListResponse, list_response
from domain.errors import NotFound
from projections.access import queries

router = APIRouter(prefix="/authorization/permissions", tags=["authorization"])


def _answer(services: ServicesDep, slug: str, position: int | None) -> dict[str, Any]:
    with read_after(services, "access", position) as conn:
        row = queries.permission(conn, slug)
    if row is None:
        raise NotFound(f"Permission not found: '{slug}'.")
    return render_permission(row)


@router.post("", response_model=PermissionPublic, status_code=status.HTTP_201_CREATED)
def create_permission(
    body: PermissionCreate,
    commands: Commands,
    services: ServicesDep,
    context: CommandContext,
    response: Response,
) -> dict[str, Any]:
    result = commands.schema.create_permission(context, **body.model_dump())
    committed(response, result, commands)
    return _answer(services, body.slug, result.position)


@router.get("", response_model=ListResponse[PermissionPublic])
def list_permissions(reads: AccessReads, page: Pagination) -> dict[str, Any]:
    with reads.connection() as reader:
        return list_response(queries.permissions(reader, page), render_permission)


@router.get("/{slug}", response_model=PermissionPublic)
def get_permission(slug: str, reads: AccessReads) -> dict[str, Any]:
    with reads.connection() as reader:
        row = queries.permission(reader, slug)
        if row is None:
            raise NotFound(f"Permission not found: '{slug}'.")
        return render_permission(row)


@router.patch("/{slug}", response_model=PermissionPublic)
def update_permission(
    slug: str,
    body: PermissionUpdate,
    commands: Commands,
    services: ServicesDep,
    context: CommandContext,
    response: Response,
) -> dict[str, Any]:
    result = commands.schema.update_permission(context, slug, **body.model_dump(exclude_unset=True))
    committed(response, result, commands)
    return _answer(services, slug, result.position)


@router.delete("/{slug}", status_code=status.HTTP_204_NO_CONTENT)
def delete_permission(
    slug: str, commands: Commands, context: CommandContext, response: Response
) -> Response:
    result = commands.schema.delete_permission(context, slug)
    committed(response, result, commands)
    response.status_code = status.HTTP_204_NO_CONTENT
    return response
