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

from typing import Any

from fastapi import APIRouter
from psycopg import Connection
from psycopg.rows import DictRow

from api.deps import AccessReads, Answer, CommandContext, Commands
from api.models.authorization import (
    OrganizationRoleSettingsPublic,
    OrganizationRoleSettingsUpdate,
    RoleSettingsPublic,
    RoleSettingsUpdate,
)
from api.routes.organization_roles import require_organization
from projections.access import queries

router = APIRouter(prefix="/authorization", tags=["authorization"])


def _environment(conn: Connection[DictRow]) -> dict[str, Any]:
    settings = queries.role_settings(conn)
    return RoleSettingsPublic.model_validate(settings).model_dump(mode="json")


def _organization(conn: Connection[DictRow], organization_id: str) -> dict[str, Any]:
    settings = queries.organization_role_settings(conn, organization_id)
    return OrganizationRoleSettingsPublic.model_validate(settings).model_dump(mode="json")


@router.get("/role_settings", response_model=RoleSettingsPublic)
def get_role_settings(reads: AccessReads) -> dict[str, Any]:
    with reads.connection() as reader:
        return _environment(reader)


@router.patch("/role_settings", response_model=RoleSettingsPublic)
def update_role_settings(
    body: RoleSettingsUpdate,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> dict[str, Any]:
    result = commands.role_settings.change_role_settings(context, **body.model_dump())
    return answer.read(result, "access", _environment)


@router.get(
    "/organizations/{organization_id}/role_settings",
    response_model=OrganizationRoleSettingsPublic,
)
def get_organization_role_settings(organization_id: str, reads: AccessReads) -> dict[str, Any]:
    with reads.connection() as reader:
        require_organization(reader, organization_id)
        return _organization(reader, organization_id)


@router.patch(
    "/organizations/{organization_id}/role_settings",
    response_model=OrganizationRoleSettingsPublic,
)
def update_organization_role_settings(
    organization_id: str,
    body: OrganizationRoleSettingsUpdate,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> dict[str, Any]:
    result = commands.role_settings.change_organization_role_settings(
        context, organization_id, **body.model_dump()
    )
    return answer.read(result, "access", _organization, organization_id)
