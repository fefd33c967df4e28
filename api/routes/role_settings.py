"""Default roles, priority orders and the multiple-roles setting: idgov extensions (WorkOS sets
them in its Dashboard, and has no API for them).

``/authorization/role_settings`` is the environment's: the default role every organization
without one of its own gives new memberships, the priority order of the environment roles,
and whether a membership may hold several roles. Turning multiple roles off leaves every
membership that holds several with the one highest in its organization's priority order (an
event on each membership, in the same commit).

``/authorization/organizations/{organization_id}/role_settings`` is an organization's. It
follows the environment until the organization has roles of its own: its first custom role,
or a first change here. From then on (``customized: true``) its default role and priority
order are its own; environment roles created later join the bottom of its order.

A priority order is written whole: every role, each once, highest first. It decides which
role a membership keeps when multiple roles are turned off.
"""

from __future__ import annotations

from fastapi import APIRouter
from psycopg import Connection
from psycopg.rows import DictRow

from api.deps import AccessReads, Command
from api.models.authorization import (
    OrganizationRoleSettingsPublic,
    OrganizationRoleSettingsUpdate,
    RoleSettingsPublic,
    RoleSettingsUpdate,
)
from api.routes.organization_roles import require_organization
from projections.access import queries

router = APIRouter(prefix="/authorization", tags=["authorization"])
ORGANIZATION = "/organizations/{organization_id}/role_settings"


def _environment(conn: Connection[DictRow]) -> RoleSettingsPublic:
    return RoleSettingsPublic.from_row(queries.role_settings(conn))


def _organization(
    conn: Connection[DictRow], organization_id: str
) -> OrganizationRoleSettingsPublic:
    settings = queries.organization_role_settings(conn, organization_id)
    return OrganizationRoleSettingsPublic.from_row(settings)


@router.get("/role_settings")
def get_role_settings(reads: AccessReads) -> RoleSettingsPublic:
    """The environment's role settings: the default role, the priority order and whether a
    membership may hold several roles."""
    with reads.connection() as reader:
        return _environment(reader)


@router.patch("/role_settings")
def update_role_settings(body: RoleSettingsUpdate, do: Command) -> RoleSettingsPublic:
    """Change the environment's role settings sent; a setting left out stays as it is."""
    result = do.commands.role_settings.change_role_settings(do.context, **body.model_dump())
    return do.read(result, "access", _environment)


@router.get(ORGANIZATION)
def get_organization_role_settings(
    organization_id: str, reads: AccessReads
) -> OrganizationRoleSettingsPublic:
    """The organization's role settings: its own where it changed them, the environment's
    otherwise (`customized` says which)."""
    with reads.connection() as reader:
        require_organization(reader, organization_id)
        return _organization(reader, organization_id)


@router.patch(ORGANIZATION)
def update_organization_role_settings(
    organization_id: str, body: OrganizationRoleSettingsUpdate, do: Command
) -> OrganizationRoleSettingsPublic:
    """Change the organization's role settings sent; a setting left out stays as it is."""
    settings = do.commands.role_settings
    changes = body.model_dump()
    result = settings.change_organization_role_settings(do.context, organization_id, **changes)
    return do.read(result, "access", _organization, organization_id)
