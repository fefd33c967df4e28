"""WorkOS Authorization API, the roles of groups: /authorization/groups/{group_id}/role_assignments.

A role without a resource is held on the organization itself (its root resource): an
organization-level role for every member. With a resource, the role must be scoped to the
resource's type, and every member holds it there and, by inheritance, below.
"""

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
from api.models.common import ListResponse, list_response
from api.models.groups import (
    GroupRoleAssignmentPublic,
    GroupRoleAssignmentsChange,
    GroupRoleAssignmentsReplace,
    render_group_role_assignment,
)
from api.models.resources import RoleTarget, one_of
from domain.application import IdentityApplication
from domain.errors import NotFound
from domain.groups import Group
from domain.services.groups import RoleOn
from projections.access import group_queries
from projections.pagination import PageRequest

router = APIRouter(prefix="/authorization/groups/{group_id}/role_assignments", tags=["groups"])


def _role_on(commands: IdentityApplication, group: Group, target: RoleTarget) -> RoleOn:
    """The role and the resource a body names (none: the organization); unknown ones 404."""
    if not one_of(
        target, "resource_id", "resource_external_id", "resource_type_slug", required=False
    ):
        return RoleOn(target.role_slug)
    resource = commands.resources.find_resource(
        group.organization_id,
        target.resource_id,
        target.resource_external_id,
        target.resource_type_slug,
    )
    return RoleOn(target.role_slug, resource)


def _known(commands: IdentityApplication, group: Group, target: RoleTarget) -> RoleOn | None:
    """As ``_role_on``, but a resource that does not exist names nothing (for removals)."""
    try:
        return _role_on(commands, group, target)
    except NotFound:
        return None


def _group_exists(reader: Connection[DictRow], group_id: str) -> None:
    if group_queries.group(reader, group_id) is None:
        raise NotFound(f"Group not found: '{group_id}'.")


def _assignment(conn: Connection[DictRow], group_id: str, assignment_id: str) -> dict[str, Any]:
    row = group_queries.group_role_assignment(conn, group_id, assignment_id)
    if row is None:
        raise NotFound(f"Group role assignment not found: '{assignment_id}'.")
    return render_group_role_assignment(row)


def _all_assignments(conn: Connection[DictRow], group_id: str) -> dict[str, Any]:
    """Every assignment of the group: it holds at most 100."""
    held = group_queries.group_role_assignments(conn, group_id, PageRequest(limit=100))
    return list_response(held, render_group_role_assignment)


@router.get("", response_model=ListResponse[GroupRoleAssignmentPublic])
def list_group_role_assignments(
    group_id: str, reads: AccessReads, page: Pagination
) -> dict[str, Any]:
    with reads.connection() as reader:
        _group_exists(reader, group_id)
        return list_response(
            group_queries.group_role_assignments(reader, group_id, page),
            render_group_role_assignment,
        )


@router.post("", response_model=GroupRoleAssignmentPublic, status_code=status.HTTP_201_CREATED)
def create_group_role_assignment(
    group_id: str,
    body: RoleTarget,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> dict[str, Any]:
    group = commands.groups.get_group(group_id)
    result = commands.groups.assign_group_role(context, group_id, _role_on(commands, group, body))
    return answer.read(result, "access", _assignment, group_id, result.value.id)


@router.put("", response_model=ListResponse[GroupRoleAssignmentPublic])
def replace_group_role_assignments(
    group_id: str,
    body: GroupRoleAssignmentsReplace,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> dict[str, Any]:
    """The group then holds exactly the listed assignments (at most 100), answered as a list."""
    group = commands.groups.get_group(group_id)
    wanted = [_role_on(commands, group, target) for target in body.role_assignments]
    result = commands.groups.replace_group_roles(context, group_id, wanted)
    return answer.read(result, "access", _all_assignments, group_id)


@router.patch("", status_code=status.HTTP_204_NO_CONTENT)
def change_group_role_assignments(
    group_id: str,
    body: GroupRoleAssignmentsChange,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> Response:
    """Adds and removes assignments in one change: existing ones added again and removals that
    match nothing are skipped; an assignment in both lists is refused."""
    body.check()
    group = commands.groups.get_group(group_id)
    add = [_role_on(commands, group, target) for target in body.add or []]
    remove = [r for r in (_known(commands, group, t) for t in body.remove or []) if r is not None]
    result = commands.groups.change_group_roles(context, group_id, add=add, remove=remove)
    return answer.status(result, status.HTTP_204_NO_CONTENT)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT)
def remove_group_role(
    group_id: str,
    body: RoleTarget,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> Response:
    """Removes the assignment of ``role_slug`` on the resource named (none: the organization);
    404 when the group holds no such assignment."""
    group = commands.groups.get_group(group_id)
    result = commands.groups.remove_group_role(context, group_id, _role_on(commands, group, body))
    return answer.status(result, status.HTTP_204_NO_CONTENT)


@router.get("/{role_assignment_id}", response_model=GroupRoleAssignmentPublic)
def get_group_role_assignment(
    group_id: str, role_assignment_id: str, reads: AccessReads
) -> dict[str, Any]:
    with reads.connection() as reader:
        return _assignment(reader, group_id, role_assignment_id)


@router.delete("/{role_assignment_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_group_role_assignment(
    group_id: str,
    role_assignment_id: str,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> Response:
    result = commands.groups.remove_group_role_assignment(context, group_id, role_assignment_id)
    return answer.status(result, status.HTTP_204_NO_CONTENT)
