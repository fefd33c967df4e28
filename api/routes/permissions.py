"""WorkOS Authorization API: permissions, /authorization/permissions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from psycopg import Connection
from psycopg.rows import DictRow

from api.deps import (
    AccessReads,
    Answer,
    CommandContext,
    Commands,
    Pagination,
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


def _permission(conn: Connection[DictRow], slug: str) -> dict[str, Any]:
    row = queries.permission(conn, slug)
    if row is None:
        raise NotFound(f"Permission not found: '{slug}'.")
    return render_permission(row)


@router.post("", response_model=PermissionPublic, status_code=status.HTTP_201_CREATED)
def create_permission(
    body: PermissionCreate,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> dict[str, Any]:
    result = commands.schema.create_permission(context, **body.model_dump())
    return answer.read(result, "access", _permission, body.slug)


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
    context: CommandContext,
    answer: Answer,
) -> dict[str, Any]:
    result = commands.schema.update_permission(context, slug, **body.model_dump(exclude_unset=True))
    return answer.read(result, "access", _permission, slug)


@router.delete("/{slug}", status_code=status.HTTP_204_NO_CONTENT)
def delete_permission(
    slug: str, commands: Commands, context: CommandContext, answer: Answer
) -> Response:
    result = commands.schema.delete_permission(context, slug)
    return answer.status(result, status.HTTP_204_NO_CONTENT)
