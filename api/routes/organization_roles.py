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

from api.deps import AccessReads, Answer, CommandContext, Commands
from api.models.authorization import (
    OrganizationRoleCreate,
    RoleList,
    RolePermission,
    RolePermissions,
    RolePublic,
    RoleUpdate,
    render_role,
)
from domain.errors import NotFound
from domain.resources import root_resource_id
from projections.access import queries

router = APIRouter(
    prefix="/authorization/organizations/{organization_id}/roles", tags=["authorization"]
)


def require_organization(conn: Connection[DictRow], organization_id: str) -> None:
    """An organization exists in the access model as long as its root resource does."""
    if queries.resource(conn, root_resource_id(organization_id)) is None:
        raise NotFound(f"Organization not found: '{organization_id}'.")


def _role(conn: Connection[DictRow], organization_id: str, slug: str) -> dict[str, Any]:
    row = queries.organization_role(conn, organization_id, slug)
    if row is None:
        raise NotFound(f"Role not found: '{slug}'.")
    return render_role(row)


@router.post("", response_model=RolePublic, status_code=status.HTTP_201_CREATED)
def create_organization_role(
    organization_id: str,
    body: OrganizationRoleCreate,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> dict[str, Any]:
    result = commands.custom_roles.create_organization_role(
        context, organization_id, **body.model_dump()
    )
    return answer.read(result, "access", _role, organization_id, result.value.slug)


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
        return _role(reader, organization_id, slug)


@router.patch("/{slug}", response_model=RolePublic)
def update_organization_role(
    organization_id: str,
    slug: str,
    body: RoleUpdate,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> dict[str, Any]:
    result = commands.custom_roles.update_organization_role(
        context, organization_id, slug, **body.model_dump(exclude_unset=True)
    )
    return answer.read(result, "access", _role, organization_id, result.value.slug)


@router.delete("/{slug}", status_code=status.HTTP_204_NO_CONTENT)
def delete_organization_role(
    organization_id: str,
    slug: str,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> Response:
    result = commands.custom_roles.delete_organization_role(context, organization_id, slug)
    return answer.status(result, status.HTTP_204_NO_CONTENT)


@router.put("/{slug}/permissions", response_model=RolePublic)
def set_organization_role_permissions(
    organization_id: str,
    slug: str,
    body: RolePermissions,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> dict[str, Any]:
    result = commands.custom_roles.set_organization_role_permissions(
        context, organization_id, slug, body.permissions
    )
    return answer.read(result, "access", _role, organization_id, result.value.slug)


@router.post("/{slug}/permissions", response_model=RolePublic)
def add_organization_role_permission(
    organization_id: str,
    slug: str,
    body: RolePermission,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> dict[str, Any]:
    """Idempotent: adding a permission the role already holds changes nothing."""
    result = commands.custom_roles.add_organization_role_permission(
        context, organization_id, slug, body.slug
    )
    return answer.read(result, "access", _role, organization_id, result.value.slug)


@router.delete("/{slug}/permissions/{permission_slug}", response_model=RolePublic)
def remove_organization_role_permission(
    organization_id: str,
    slug: str,
    permission_slug: str,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> dict[str, Any]:
    result = commands.custom_roles.remove_organization_role_permission(
        context, organization_id, slug, permission_slug
    )
    return answer.read(result, "access", _role, organization_id, result.value.slug)
