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

from fastapi import APIRouter, Response, status
from psycopg import Connection
from psycopg.rows import DictRow

from api.deps import AccessReads, Command
from api.models.authorization import (
    OrganizationRoleCreate,
    RoleList,
    RolePermission,
    RolePermissions,
    RolePublic,
    RoleUpdate,
)
from domain.errors import NotFound
from domain.resources import root_resource_id
from domain.roles import Role
from domain.store import Committed
from projections.access import queries

router = APIRouter(
    prefix="/authorization/organizations/{organization_id}/roles", tags=["authorization"]
)


def require_organization(conn: Connection[DictRow], organization_id: str) -> None:
    """An organization exists in the access model as long as its root resource does."""
    if queries.resource(conn, root_resource_id(organization_id)) is None:
        raise NotFound(f"Organization not found: '{organization_id}'.")


def _role(conn: Connection[DictRow], organization_id: str, slug: str) -> RolePublic:
    row = queries.organization_role(conn, organization_id, slug)
    if row is None:
        raise NotFound(f"Role not found: '{slug}'.")
    return RolePublic.from_row(row)


def _answer(do: Command, organization_id: str, result: Committed[Role]) -> RolePublic:
    """The changed role, once the access model holds the change."""
    return do.read(result, "access", _role, organization_id, result.value.slug)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_organization_role(
    organization_id: str, body: OrganizationRoleCreate, do: Command
) -> RolePublic:
    """Create a custom role of one organization; its slug starts with `org-`."""
    roles = do.commands.custom_roles
    result = roles.create_organization_role(do.context, organization_id, **body.model_dump())
    return _answer(do, organization_id, result)


@router.get("")
def list_organization_roles(organization_id: str, reads: AccessReads) -> RoleList:
    """The roles the organization can assign: the environment's and its own, in priority
    order."""
    with reads.connection() as reader:
        require_organization(reader, organization_id)
        return RoleList.from_rows(queries.organization_roles(reader, organization_id))


@router.get("/{slug}")
def get_organization_role(organization_id: str, slug: str, reads: AccessReads) -> RolePublic:
    """The organization's role with this slug (its own or the environment's)."""
    with reads.connection() as reader:
        require_organization(reader, organization_id)
        return _role(reader, organization_id, slug)


@router.patch("/{slug}")
def update_organization_role(
    organization_id: str, slug: str, body: RoleUpdate, do: Command
) -> RolePublic:
    """Change the custom role's name or description."""
    changes = body.model_dump(exclude_unset=True)
    roles = do.commands.custom_roles
    result = roles.update_organization_role(do.context, organization_id, slug, **changes)
    return _answer(do, organization_id, result)


@router.delete("/{slug}", status_code=status.HTTP_204_NO_CONTENT)
def delete_organization_role(organization_id: str, slug: str, do: Command) -> Response:
    """Delete the custom role: refused while resources or groups use it (409); its holders
    move to the default role."""
    result = do.commands.custom_roles.delete_organization_role(do.context, organization_id, slug)
    return do.status(result, status.HTTP_204_NO_CONTENT)


@router.put("/{slug}/permissions")
def set_organization_role_permissions(
    organization_id: str, slug: str, body: RolePermissions, do: Command
) -> RolePublic:
    """Replace the permissions the custom role grants."""
    roles = do.commands.custom_roles
    result = roles.set_organization_role_permissions(
        do.context, organization_id, slug, body.permissions
    )
    return _answer(do, organization_id, result)


@router.post("/{slug}/permissions")
def add_organization_role_permission(
    organization_id: str, slug: str, body: RolePermission, do: Command
) -> RolePublic:
    """Idempotent: adding a permission the role already holds changes nothing."""
    roles = do.commands.custom_roles
    result = roles.add_organization_role_permission(do.context, organization_id, slug, body.slug)
    return _answer(do, organization_id, result)


@router.delete("/{slug}/permissions/{permission_slug}")
def remove_organization_role_permission(
    organization_id: str, slug: str, permission_slug: str, do: Command
) -> RolePublic:
    """Remove one permission from those the custom role grants."""
    roles = do.commands.custom_roles
    result = roles.remove_organization_role_permission(
        do.context, organization_id, slug, permission_slug
    )
    return _answer(do, organization_id, result)
