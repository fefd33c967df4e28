"""WorkOS Authorization API: permissions, /authorization/permissions."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from psycopg import Connection
from psycopg.rows import DictRow

from api.deps import AccessReads, Command, Pagination
from api.models.authorization import PermissionCreate, PermissionPublic, PermissionUpdate
from api.models.common import ListResponse, listed
from domain.errors import NotFound
from projections.access import queries

router = APIRouter(prefix="/authorization/permissions", tags=["authorization"])


def _permission(conn: Connection[DictRow], slug: str) -> PermissionPublic:
    row = queries.permission(conn, slug)
    if row is None:
        raise NotFound(f"Permission not found: '{slug}'.")
    return PermissionPublic.from_row(row)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_permission(body: PermissionCreate, do: Command) -> PermissionPublic:
    """Create a permission, which roles then grant."""
    result = do.commands.schema.create_permission(do.context, **body.model_dump())
    return do.read(result, "access", _permission, body.slug)


@router.get("")
def list_permissions(reads: AccessReads, page: Pagination) -> ListResponse[PermissionPublic]:
    """Every permission of the environment, newest first."""
    with reads.connection() as reader:
        return listed(queries.permissions(reader, page), PermissionPublic.from_row)


@router.get("/{slug}")
def get_permission(slug: str, reads: AccessReads) -> PermissionPublic:
    """The permission with this slug."""
    with reads.connection() as reader:
        return _permission(reader, slug)


@router.patch("/{slug}")
def update_permission(slug: str, body: PermissionUpdate, do: Command) -> PermissionPublic:
    """Change the permission's name or description."""
    changes = body.model_dump(exclude_unset=True)
    result = do.commands.schema.update_permission(do.context, slug, **changes)
    return do.read(result, "access", _permission, slug)


@router.delete("/{slug}", status_code=status.HTTP_204_NO_CONTENT)
def delete_permission(slug: str, do: Command) -> Response:
    """Delete the permission; roles that granted it no longer do."""
    result = do.commands.schema.delete_permission(do.context, slug)
    return do.status(result, status.HTTP_204_NO_CONTENT)
