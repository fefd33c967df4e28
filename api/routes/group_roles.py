"""WorkOS Authorization API, the roles of groups: /authorization/groups/{group_id}/role_assignments.

A role without a resource is held on the organization itself (its root resource): an
organization-level role for every member. With a resource, the role must be scoped to the
resource's type, and every member holds it there and, by inheritance, below.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from psycopg import Connection
from psycopg.rows import DictRow

from api.deps import AccessReads, Command, Pagination
from api.models.common import ListResponse, listed
from api.models.groups import (
    GroupRoleAssignmentPublic,
    GroupRoleAssignmentsChange,
    GroupRoleAssignmentsReplace,
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


def _assignment(
    conn: Connection[DictRow], group_id: str, assignment_id: str
) -> GroupRoleAssignmentPublic:
    row = group_queries.group_role_assignment(conn, group_id, assignment_id)
    if row is None:
        raise NotFound(f"Group role assignment not found: '{assignment_id}'.")
    return GroupRoleAssignmentPublic.from_row(row)


def _assignments(
    conn: Connection[DictRow], group_id: str, page: PageRequest
) -> ListResponse[GroupRoleAssignmentPublic]:
    found = group_queries.group_role_assignments(conn, group_id, page)
    return listed(found, GroupRoleAssignmentPublic.from_row)


@router.get("")
def list_group_role_assignments(
    group_id: str, reads: AccessReads, page: Pagination
) -> ListResponse[GroupRoleAssignmentPublic]:
    """The group's role assignments."""
    with reads.connection() as reader:
        if group_queries.group(reader, group_id) is None:
            raise NotFound(f"Group not found: '{group_id}'.")
        return _assignments(reader, group_id, page)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_group_role_assignment(
    group_id: str, body: RoleTarget, do: Command
) -> GroupRoleAssignmentPublic:
    """Assign a role to the group, on a resource or on the whole organization; every member
    holds it."""
    group = do.commands.groups.get_group(group_id)
    role = _role_on(do.commands, group, body)
    result = do.commands.groups.assign_group_role(do.context, group_id, role)
    return do.read(result, "access", _assignment, group_id, result.value.id)


@router.put("")
def replace_group_role_assignments(
    group_id: str, body: GroupRoleAssignmentsReplace, do: Command
) -> ListResponse[GroupRoleAssignmentPublic]:
    """The group then holds exactly the listed assignments (at most 100), answered as a list."""
    group = do.commands.groups.get_group(group_id)
    wanted = [_role_on(do.commands, group, target) for target in body.role_assignments]
    result = do.commands.groups.replace_group_roles(do.context, group_id, wanted)
    return do.read(result, "access", _assignments, group_id, PageRequest(limit=100))


@router.patch("", status_code=status.HTTP_204_NO_CONTENT)
def change_group_role_assignments(
    group_id: str, body: GroupRoleAssignmentsChange, do: Command
) -> Response:
    """Adds and removes assignments in one change: existing ones added again and removals that
    match nothing are skipped; an assignment in both lists is refused."""
    group = do.commands.groups.get_group(group_id)
    add = [_role_on(do.commands, group, target) for target in body.add or []]
    known = (_known(do.commands, group, target) for target in body.remove or [])
    remove = [role for role in known if role is not None]
    result = do.commands.groups.change_group_roles(do.context, group_id, add=add, remove=remove)
    return do.status(result, status.HTTP_204_NO_CONTENT)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT)
def remove_group_role(group_id: str, body: RoleTarget, do: Command) -> Response:
    """Removes the assignment of ``role_slug`` on the resource named (none: the organization);
    404 when the group holds no such assignment."""
    group = do.commands.groups.get_group(group_id)
    role = _role_on(do.commands, group, body)
    result = do.commands.groups.remove_group_role(do.context, group_id, role)
    return do.status(result, status.HTTP_204_NO_CONTENT)


@router.get("/{role_assignment_id}")
def get_group_role_assignment(
    group_id: str, role_assignment_id: str, reads: AccessReads
) -> GroupRoleAssignmentPublic:
    """One of the group's role assignments, by its id."""
    with reads.connection() as reader:
        return _assignment(reader, group_id, role_assignment_id)


@router.delete("/{role_assignment_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_group_role_assignment(group_id: str, role_assignment_id: str, do: Command) -> Response:
    """Remove one of the group's role assignments, by its id."""
    result = do.commands.groups.remove_group_role_assignment(
        do.context, group_id, role_assignment_id
    )
    return do.status(result, status.HTTP_204_NO_CONTENT)
