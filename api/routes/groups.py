"""WorkOS Groups API: an organization's groups and their members, and a membership's groups."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from psycopg import Connection
from psycopg.rows import DictRow

from api.deps import AccessReads, Command, DirectoryReads, Pagination
from api.models.common import ListResponse, listed
from api.models.groups import (
    GroupCreate,
    GroupMemberAdd,
    GroupMembersChange,
    GroupPublic,
    GroupUpdate,
)
from api.models.memberships import MembershipPublic
from api.routes.memberships import memberships_by_id
from api.routes.organization_roles import require_organization
from domain.errors import NotFound
from projections.access import group_queries

router = APIRouter(tags=["groups"])
GROUPS = "/organizations/{organization_id}/groups"
GROUP = GROUPS + "/{group_id}"
MEMBERS = GROUP + "/organization-memberships"


def _group_row(conn: Connection[DictRow], organization_id: str, group_id: str) -> dict[str, Any]:
    row = group_queries.group(conn, group_id)
    if row is None or row["organization_id"] != organization_id:
        raise NotFound(f"Group not found: '{group_id}'.")
    return row


# Groups ------------------------------------------------------------------------


@router.post(GROUPS, status_code=status.HTTP_201_CREATED)
def create_group(organization_id: str, body: GroupCreate, do: Command) -> GroupPublic:
    """Create a group in the organization: its members hold the roles assigned to it."""
    result = do.commands.groups.create_group(
        do.context, organization_id=organization_id, name=body.name, description=body.description
    )
    return do.written(result, GroupPublic.from_aggregate(result.value))


@router.get(GROUPS)
def list_groups(
    organization_id: str,
    reads: AccessReads,
    page: Pagination,
    search: Annotated[str | None, Query(max_length=256)] = None,
) -> ListResponse[GroupPublic]:
    """``search`` matches part of a group's name, or its whole id."""
    with reads.connection() as reader:
        require_organization(reader, organization_id)
        found = group_queries.groups(reader, organization_id, page, search)
    return listed(found, GroupPublic.from_row)


@router.get(GROUP)
def get_group(organization_id: str, group_id: str, reads: AccessReads) -> GroupPublic:
    """The group with this id, in the organization the path names."""
    with reads.connection() as reader:
        return GroupPublic.from_row(_group_row(reader, organization_id, group_id))


@router.patch(GROUP)
def update_group(
    organization_id: str, group_id: str, body: GroupUpdate, do: Command
) -> GroupPublic:
    """Only the fields sent change; ``description: null`` clears the description."""
    result = do.commands.groups.update_group(
        do.context,
        organization_id,
        group_id,
        name=body.name,
        description=body.description,
        describe="description" in body.model_fields_set,
    )
    return do.written(result, GroupPublic.from_aggregate(result.value))


@router.delete(GROUP, status_code=status.HTTP_204_NO_CONTENT)
def delete_group(organization_id: str, group_id: str, do: Command) -> Response:
    """Removes the group's members and role assignments with it."""
    result = do.commands.groups.delete_group(do.context, organization_id, group_id)
    return do.status(result, status.HTTP_204_NO_CONTENT)


# Members -----------------------------------------------------------------------


@router.post(MEMBERS)
def add_group_member(
    organization_id: str, group_id: str, body: GroupMemberAdd, do: Command
) -> GroupPublic:
    """Answers with the group; adding a member again changes nothing."""
    result = do.commands.groups.add_group_member(
        do.context, organization_id, group_id, body.organization_membership_id
    )
    return do.written(result, GroupPublic.from_aggregate(result.value))


@router.patch(MEMBERS, status_code=status.HTTP_204_NO_CONTENT)
def change_group_members(
    organization_id: str, group_id: str, body: GroupMembersChange, do: Command
) -> Response:
    """Adds and removes members in one change; members added again and non-members removed are
    skipped, a membership in both lists is refused."""
    result = do.commands.groups.change_group_members(
        do.context, organization_id, group_id, add=body.add or [], remove=body.remove or []
    )
    return do.status(result, status.HTTP_204_NO_CONTENT)


@router.get(MEMBERS)
def list_group_members(
    organization_id: str,
    group_id: str,
    access_reads: AccessReads,
    directory_reads: DirectoryReads,
    page: Pagination,
) -> ListResponse[MembershipPublic]:
    """The group's members, of every status, with their users; paged by membership id."""
    with access_reads.connection() as access, directory_reads.connection() as directory:
        _group_row(access, organization_id, group_id)
        found = group_queries.member_ids(access, group_id, page)
        return memberships_by_id(directory, found, "membership_id")


@router.delete(MEMBERS + "/{organization_membership_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_group_member(
    organization_id: str, group_id: str, organization_membership_id: str, do: Command
) -> Response:
    """Remove the membership from the group; it loses the roles it held through the group."""
    result = do.commands.groups.remove_group_member(
        do.context, organization_id, group_id, organization_membership_id
    )
    return do.status(result, status.HTTP_204_NO_CONTENT)


@router.get("/user_management/organization_memberships/{organization_membership_id}/groups")
def list_groups_of_membership(
    organization_membership_id: str, reads: AccessReads, page: Pagination
) -> ListResponse[GroupPublic]:
    """The groups the membership belongs to."""
    with reads.connection() as reader:
        if not group_queries.membership_exists(reader, organization_membership_id):
            raise NotFound(f"Organization membership not found: '{organization_membership_id}'.")
        found = group_queries.groups_of_membership(reader, organization_membership_id, page)
    return listed(found, GroupPublic.from_row)
