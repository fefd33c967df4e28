"""WorkOS Authorization API: environment roles, /authorization/roles, in priority order.

``DELETE /authorization/roles/{slug}`` is an idgov extension (WorkOS deletes environment
roles in its Dashboard). It is refused while the role is the environment's default or some
organization's (409 ``role_is_default``) or while resources or groups use it (409
``role_has_assignments``, ``role_has_group_role_mappings``). Memberships holding it, in every
organization, move to their organization's default role: an event on each membership, in the
same commit as the deletion.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from psycopg import Connection
from psycopg.rows import DictRow

from api.deps import AccessReads, Answer, CommandContext, Commands
from api.models.authorization import (
    RoleCreate,
    RoleList,
    RolePermission,
    RolePermissions,
    RolePublic,
    RoleUpdate,
    render_role,
)
from domain.errors import NotFound
from projections.access import queries

router = APIRouter(prefix="/authorization/roles", tags=["authorization"])


def _role(conn: Connection[DictRow], slug: str) -> dict[str, Any]:
    row = queries.environment_role(conn, slug)
    if row is None:
        raise NotFound(f"Role not found: '{slug}'.")
    return render_role(row)


@router.post("", response_model=RolePublic, status_code=status.HTTP_201_CREATED)
def create_role(
    body: RoleCreate,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> dict[str, Any]:
    result = commands.schema.create_role(context, **body.model_dump())
    return answer.read(result, "access", _role, result.value)


@router.get("", response_model=RoleList)
def list_roles(reads: AccessReads) -> dict[str, Any]:
    with reads.connection() as reader:
        return {
            "object": "list",
            "data": [render_role(row) for row in queries.environment_roles(reader)],
        }


@router.get("/{slug}", response_model=RolePublic)
def get_role(slug: str, reads: AccessReads) -> dict[str, Any]:
    with reads.connection() as reader:
        return _role(reader, slug)


@router.delete("/{slug}", status_code=status.HTTP_204_NO_CONTENT)
def delete_role(slug: str, commands: Commands, context: CommandContext, answer: Answer) -> Response:
    result = commands.schema.delete_role(context, slug)
    return answer.status(result, status.HTTP_204_NO_CONTENT)


@router.patch("/{slug}", response_model=RolePublic)
def update_role(
    slug: str,
    body: RoleUpdate,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> dict[str, Any]:
    result = commands.schema.update_role(context, slug, **body.model_dump(exclude_unset=True))
    return answer.read(result, "access", _role, result.value)


@router.put("/{slug}/permissions", response_model=RolePublic)
def set_role_permissions(
    slug: str,
    body: RolePermissions,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> dict[str, Any]:
    result = commands.schema.set_role_permissions(context, slug, body.permissions)
    return answer.read(result, "access", _role, result.value)


@router.post("/{slug}/permissions", response_model=RolePublic)
def add_role_permission(
    slug: str,
    body: RolePermission,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> dict[str, Any]:
    result = commands.schema.add_role_permission(context, slug, body.slug)
    return answer.read(result, "access", _role, result.value)


@router.delete("/{slug}/permissions/{permission_slug}", response_model=RolePublic)
def remove_role_permission(
    slug: str,
    permission_slug: str,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> dict[str, Any]:
    """An idgov extension mirroring the organization-role endpoint."""
    result = commands.schema.remove_role_permission(context, slug, permission_slug)
    return answer.read(result, "access", _role, result.value)
