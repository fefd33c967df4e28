"""WorkOS Authorization API: organization (custom) roles,
/authorization/organizations/{organization_id}/roles.

Listing answers the environment roles and the organization's custom roles together, in the
organization's priority order; getting a slug answers either kind. Changes apply to custom
roles only (environment roles change through /authorization/roles). Deleting a custom role
is refused while it is the organization's default role (409 ``role_is_default``) or while
resources or groups use it (409 ``role_has_assignments``, ``role_has_group_role_mappings``);
memberships holding it move to the default role, as events on each membership, in the same
commit as the deletion.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from psycopg import Connection
from psycopg.rows import DictRow

from api.deps import AccessReads, CommandContext, Commands, ServicesDep, committed, read_after
from api.models.authorization import (
    OrganizationRoleCreate,
    RoleList,
    RolePermission,
    RolePermissions,
    RolePublic,
    RoleUpdate,
    render_role,
)
from domain.authorization_schema import Role
from domain.errors import NotFound
from domain.resources import root_resource_id
from domain.store import Committed
from projections.access import queries

router = APIRouter(
    prefix="/authorization/organizations/{organization_id}/roles", tags=["authorization"]
)


def require_organization(conn: Connection[DictRow], organization_id: str) -> None:
    """An organization exists in the access model as long as its root resource does."""
    if queries.resource(conn, root_resource_id(organization_id)) is None:
        raise NotFound(f"Organization not found: '{organization_id}'.")


def _answer(
    services: ServicesDep,
    response: Response,
    commands: Commands,
    organization_id: str,
    result: Committed[Role],
) -> dict[str, Any]:
    committed(response, result, commands)
    with read_after(services, "access", result.position) as conn:
        row = queries.organization_role(conn, organization_id, result.value.slug)
    if row is None:
        raise NotFound(f"Role not found: '{result.value.slug}'.")
    return render_role(row)


@router.post("", response_model=RolePublic, status_code=status.HTTP_201_CREATED)
def create_organization_role(
    organization_id: str,
    body: OrganizationRoleCreate,
    commands: Commands,
    services: ServicesDep,
    context: CommandContext,
    response: Response,
) -> dict[str, Any]:
    result = commands.custom_roles.create_organization_role(
        context, organization_id, **body.model_dump()
    )
    return _answer(services, response, commands, organization_id, result)


@router.get("", response_model=RoleList)
def list_organization_roles(organization_id: str, reads: AccessReads) -> dict[str, Any]:
    with reads.connection() as reader:
        require_organization(reader, organization_id)
        rows = queries.organization_roles(reader, organization_id)
        return {"object": "list", "data": [render_role(row) for row in rows]}


@router.get("/{slug}", response_model=RolePublic)
def get_organization_role(organization_id: str, slug: str, reads: AccessReads) -> dict[str, Any]:
    with reads.connection() as reader:
        require_organization(reader, organization_id)
        row = queries.organization_role(reader, organization_id, slug)
        if row is None:
            raise NotFound(f"Role not found: '{slug}'.")
        return render_role(row)


@router.patch("/{slug}", response_model=RolePublic)
def update_organization_role(
    organization_id: str,
    slug: str,
    body: RoleUpdate,
    commands: Commands,
    services: ServicesDep,
    context: CommandContext,
    response: Response,
) -> dict[str, Any]:
    result = commands.custom_roles.update_organization_role(
        context, organization_id, slug, **body.model_dump(exclude_unset=True)
    )
    return _answer(services, response, commands, organization_id, result)


@router.delete("/{slug}", status_code=status.HTTP_204_NO_CONTENT)
def delete_organization_role(
    organization_id: str,
    slug: str,
    commands: Commands,
    context: CommandContext,
    response: Response,
) -> Response:
    result = commands.custom_roles.delete_organization_role(context, organization_id, slug)
    committed(response, result, commands)
    response.status_code = status.HTTP_204_NO_CONTENT
    return response


@router.put("/{slug}/permissions", response_model=RolePublic)
def set_organization_role_permissions(
    organization_id: str,
    slug: str,
    body: RolePermissions,
    commands: Commands,
    services: ServicesDep,
    context: CommandContext,
    response: Response,
) -> dict[str, Any]:
    result = commands.custom_roles.set_organization_role_permissions(
        context, organization_id, slug, body.permissions
    )
    return _answer(services, response, commands, organization_id, result)


@router.post("/{slug}/permissions", response_model=RolePublic)
def add_organization_role_permission(
    organization_id: str,
    slug: str,
    body: RolePermission,
    commands: Commands,
    services: ServicesDep,
    context: CommandContext,
    response: Response,
) -> dict[str, Any]:
    """Idempotent: adding a permission the role already holds changes nothing."""
    result = commands.custom_roles.add_organization_role_permission(
        context, organization_id, slug, body.slug
    )
    return _answer(services, response, commands, organization_id, result)


@router.delete("/{slug}/permissions/{permission_slug}", response_model=RolePublic)
def remove_organization_role_permission(
    organization_id: str,
    slug: str,
    permission_slug: str,
    commands: Commands,
    services: ServicesDep,
    context: CommandContext,
    response: Response,
) -> dict[str, Any]:
    result = commands.custom_roles.remove_organization_role_permission(
        context, organization_id, slug, permission_slug
    )
    return _answer(services, response, commands, organization_id, result)
