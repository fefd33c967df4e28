"""WorkOS Authorization API: environment roles, /authorization/roles, in priority order.

``DELETE /authorization/roles/{slug}`` is an idgov extension (WorkOS deletes environment
roles in its Dashboard). It is refused while the role is the environment's default or some
organization's (409 ``role_is_default``) or while resources or groups use it (409
``role_has_assignments``, ``role_has_group_role_mappings``). Memberships holding it, in every
organization, move to their organization's default role: an event on each membership, in the
same commit as the deletion.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from psycopg import Connection
from psycopg.rows import DictRow

from api.deps import AccessReads, Command
from api.models.authorization import (
    RoleCreate,
    RoleList,
    RolePermission,
    RolePermissions,
    RolePublic,
    RoleUpdate,
)
from domain.errors import NotFound
from projections.access import queries

router = APIRouter(prefix="/authorization/roles", tags=["authorization"])


def _role(conn: Connection[DictRow], slug: str) -> RolePublic:
    row = queries.environment_role(conn, slug)
    if row is None:
        raise NotFound(f"Role not found: '{slug}'.")
    return RolePublic.from_row(row)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_role(body: RoleCreate, do: Command) -> RolePublic:
    """Create an environment role, which every organization can assign."""
    result = do.commands.schema.create_role(do.context, **body.model_dump())
    return do.read(result, "access", _role, result.value)


@router.get("")
def list_roles(reads: AccessReads) -> RoleList:
    """Every environment role, in priority order."""
    with reads.connection() as reader:
        return RoleList.from_rows(queries.environment_roles(reader))


@router.get("/{slug}")
def get_role(slug: str, reads: AccessReads) -> RolePublic:
    """The environment role with this slug."""
    with reads.connection() as reader:
        return _role(reader, slug)


@router.delete("/{slug}", status_code=status.HTTP_204_NO_CONTENT)
def delete_role(slug: str, do: Command) -> Response:
    """Delete an environment role (an idgov extension): refused while it is a default role or
    resources or groups use it (409); its holders in every organization move to the default."""
    return do.status(do.commands.schema.delete_role(do.context, slug), status.HTTP_204_NO_CONTENT)


@router.patch("/{slug}")
def update_role(slug: str, body: RoleUpdate, do: Command) -> RolePublic:
    """Change the role's name or description."""
    result = do.commands.schema.update_role(do.context, slug, **body.model_dump(exclude_unset=True))
    return do.read(result, "access", _role, result.value)


@router.put("/{slug}/permissions")
def set_role_permissions(slug: str, body: RolePermissions, do: Command) -> RolePublic:
    """Replace the permissions the role grants."""
    result = do.commands.schema.set_role_permissions(do.context, slug, body.permissions)
    return do.read(result, "access", _role, result.value)


@router.post("/{slug}/permissions")
def add_role_permission(slug: str, body: RolePermission, do: Command) -> RolePublic:
    """Add one permission to those the role grants."""
    result = do.commands.schema.add_role_permission(do.context, slug, body.slug)
    return do.read(result, "access", _role, result.value)


@router.delete("/{slug}/permissions/{permission_slug}")
def remove_role_permission(slug: str, permission_slug: str, do: Command) -> RolePublic:
    """An idgov extension mirroring the organization-role endpoint."""
    result = do.commands.schema.remove_role_permission(do.context, slug, permission_slug)
    return do.read(result, "access", _role, result.value)
