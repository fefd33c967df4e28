"""WorkOS Groups API: an organization's groups and their members, and a membership's groups."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from psycopg import Connection
from psycopg.rows import DictRow

from api.deps import (
    AccessReads,
    Answer,
    CommandContext,
    Commands,
    DirectoryReads,
    Pagination,
)
from api.models import memberships as membership_models
from api.models.common import ListResponse, list_response
from api.models.groups import (
    GroupCreate,
    GroupMemberAdd,
    GroupMembersChange,
    GroupPublic,
    GroupUpdate,
    render_group,
    render_group_aggregate,
)
from domain.errors import NotFound
from domain.resources import root_resource_id
from projections.access import group_queries, queries
from projections.directory import queries as directory_queries

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


@router.post(GROUPS, response_model=GroupPublic, status_code=status.HTTP_201_CREATED)
def create_group(
    organization_id: str,
    body: GroupCreate,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> dict[str, Any]:
    result = commands.groups.create_group(
        context, organization_id=organization_id, name=body.name, description=body.description
    )
    return answer.written(result, render_group_aggregate(result.value))


@router.get(GROUPS, response_model=ListResponse[GroupPublic])
def list_groups(
    organization_id: str,
    reads: AccessReads,
    page: Pagination,
    search: Annotated[str | None, Query(max_length=256)] = None,
) -> dict[str, Any]:
    """``search`` matches part of a group's name, or its whole id."""
    with reads.connection() as reader:
        if queries.resource(reader, root_resource_id(organization_id)) is None:
            raise NotFound(f"Organization not found: '{organization_id}'.")
        return list_response(
            group_queries.groups(reader, organization_id, page, search), render_group
        )


@router.get(GROUP, response_model=GroupPublic)
def get_group(organization_id: str, group_id: str, reads: AccessReads) -> dict[str, Any]:
    with reads.connection() as reader:
        return render_group(_group_row(reader, organization_id, group_id))


@router.patch(GROUP, response_model=GroupPublic)
def update_group(
    organization_id: str,
    group_id: str,
    body: GroupUpdate,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> dict[str, Any]:
    """Only the fields sent change; ``description: null`` clears the description."""
    result = commands.groups.update_group(
        context,
        organization_id,
        group_id,
        name=body.name,
        description=body.description,
        describe="description" in body.model_fields_set,
    )
    return answer.written(result, render_group_aggregate(result.value))


@router.delete(GROUP, status_code=status.HTTP_204_NO_CONTENT)
def delete_group(
    organization_id: str,
    group_id: str,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> Response:
    """Removes the group's members and role assignments with it."""
    result = commands.groups.delete_group(context, organization_id, group_id)
    return answer.status(result, status.HTTP_204_NO_CONTENT)


# Members -----------------------------------------------------------------------


@router.post(MEMBERS, response_model=GroupPublic)
def add_group_member(
    organization_id: str,
    group_id: str,
    body: GroupMemberAdd,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> dict[str, Any]:
    """Answers with the group; adding a member again changes nothing."""
    result = commands.groups.add_group_member(
        context, organization_id, group_id, body.organization_membership_id
    )
    return answer.written(result, render_group_aggregate(result.value))


@router.patch(MEMBERS, status_code=status.HTTP_204_NO_CONTENT)
def change_group_members(
    organization_id: str,
    group_id: str,
    body: GroupMembersChange,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> Response:
    """Adds and removes members in one change; members added again and non-members removed are
    skipped, a membership in both lists is refused."""
    body.check()
    result = commands.groups.change_group_members(
        context, organization_id, group_id, add=body.add or [], remove=body.remove or []
    )
    return answer.status(result, status.HTTP_204_NO_CONTENT)


@router.get(MEMBERS, response_model=ListResponse[membership_models.MembershipPublic])
def list_group_members(
    organization_id: str,
    group_id: str,
    access_reads: AccessReads,
    directory_reads: DirectoryReads,
    page: Pagination,
) -> dict[str, Any]:
    """The group's members, of every status, with their users; paged by membership id."""
    with access_reads.connection() as access, directory_reads.connection() as directory:
        _group_row(access, organization_id, group_id)
        found = group_queries.member_ids(access, group_id, page)
        ids = [row["membership_id"] for row in found.rows]
        rows = directory_queries.memberships_by_id(directory, ids)
        return {
            "object": "list",
            "data": [membership_models.render(rows[m]) for m in ids if m in rows],
            "list_metadata": {"before": found.before, "after": found.after},
        }


@router.delete(MEMBERS + "/{organization_membership_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_group_member(
    organization_id: str,
    group_id: str,
    organization_membership_id: str,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> Response:
    result = commands.groups.remove_group_member(
        context, organization_id, group_id, organization_membership_id
    )
    return answer.status(result, status.HTTP_204_NO_CONTENT)


@router.get(
    "/user_management/organization_memberships/{organization_membership_id}/groups",
    response_model=ListResponse[GroupPublic],
)
def list_groups_of_membership(
    organization_membership_id: str, reads: AccessReads, page: Pagination
) -> dict[str, Any]:
    with reads.connection() as reader:
        if not group_queries.membership_exists(reader, organization_membership_id):
            raise NotFound(f"Organization membership not found: '{organization_membership_id}'.")
        return list_response(
            group_queries.groups_of_membership(reader, organization_membership_id, page),
            render_group,
        )
