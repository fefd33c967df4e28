"""WorkOS User Management API, memberships: /user_management/organization_memberships."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from api.deps import Answer, CommandContext, Commands, DirectoryReads, Pagination
from api.errors import ApiError
from api.models.common import ListResponse, list_response
from api.models.memberships import (
    STATUSES,
    MembershipCreate,
    MembershipPublic,
    MembershipUpdate,
    render,
)
from api.models.users import render_aggregate as render_user
from domain.application import IdentityApplication
from domain.errors import NotFound
from domain.memberships import OrganizationMembership
from domain.store import Committed
from projections.directory import queries

router = APIRouter(prefix="/user_management/organization_memberships", tags=["memberships"])


def _public(membership: OrganizationMembership, commands: IdentityApplication) -> dict[str, Any]:
    """The write-side aggregate as the public object (commands answer without waiting for reads)."""
    return render(
        {
            "id": membership.id,
            "user_id": membership.user_id,
            "organization_id": membership.organization_id,
            "organization_name": commands.store.get_organization(membership.organization_id).name,
            "status": membership.status,
            "role_slugs": membership.role_slugs,
            "user": render_user(commands.store.get_user(membership.user_id)),
            "created_at": membership.created_on,
            "updated_at": membership.modified_on,
        }
    )


def _statuses(values: list[str] | None) -> list[str]:
    """``statuses`` comma-separated (as the SDK sends it) or repeated; only active by default."""
    wanted = [s for value in values or [] for s in value.split(",") if s]
    if any(s not in STATUSES for s in wanted):
        raise ApiError(
            422,
            "invalid_request_parameters",
            f"'statuses' takes any of {', '.join(STATUSES)}.",
            errors=[{"field": "statuses", "code": "invalid_value"}],
        )
    return wanted or ["active"]


@router.post("", response_model=MembershipPublic, status_code=status.HTTP_201_CREATED)
def create_membership(
    body: MembershipCreate, commands: Commands, context: CommandContext, answer: Answer
) -> dict[str, Any]:
    """Add a user to an organization; an inactive membership of the pair is reactivated.
    Without a role the membership gets the organization's default role."""
    result = commands.memberships.create_membership(
        context,
        user_id=body.user_id,
        organization_id=body.organization_id,
        role_slugs=body.roles() or (),
        role_field=body.role_field(),
    )
    return answer.written(result, _public(result.value, commands))


@router.get("", response_model=ListResponse[MembershipPublic])
def list_memberships(
    reads: DirectoryReads,
    page: Pagination,
    user_id: Annotated[str | None, Query(max_length=255)] = None,
    organization_id: Annotated[str | None, Query(max_length=255)] = None,
    statuses: Annotated[list[str] | None, Query()] = None,
) -> dict[str, Any]:
    with reads.connection() as reader:
        if not user_id and not organization_id:
            raise ApiError(
                400,
                "missing_user_id_or_organization_id",
                "Send 'user_id', 'organization_id' or both.",
            )
        result = queries.memberships(
            reader,
            page,
            user_id=user_id,
            organization_id=organization_id,
            statuses=_statuses(statuses),
        )
        return list_response(result, render)


@router.get("/{membership_id}", response_model=MembershipPublic)
def get_membership(membership_id: str, reads: DirectoryReads) -> dict[str, Any]:
    with reads.connection() as reader:
        row = queries.membership(reader, membership_id)
        if row is None:
            raise NotFound(f"Organization membership not found: '{membership_id}'.")
        return render(row)


@router.put("/{membership_id}", response_model=MembershipPublic)
def update_membership(
    membership_id: str,
    body: MembershipUpdate,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> dict[str, Any]:
    """Replace the membership's roles; a body naming no role changes nothing."""
    roles = body.roles()
    if roles is None:
        result = Committed(commands.store.get_membership(membership_id), None)
    else:
        result = commands.memberships.change_membership_roles(
            context, membership_id, roles, role_field=body.role_field()
        )
    return answer.written(result, _public(result.value, commands))


@router.put("/{membership_id}/deactivate", response_model=MembershipPublic)
def deactivate_membership(
    membership_id: str, commands: Commands, context: CommandContext, answer: Answer
) -> dict[str, Any]:
    """Active becomes inactive; an inactive membership stays as it is (no event)."""
    result = commands.memberships.deactivate_membership(context, membership_id)
    return answer.written(result, _public(result.value, commands))


@router.put("/{membership_id}/reactivate", response_model=MembershipPublic)
def reactivate_membership(
    membership_id: str, commands: Commands, context: CommandContext, answer: Answer
) -> dict[str, Any]:
    """Inactive becomes active with its previous roles; an active one stays as it is."""
    result = commands.memberships.reactivate_membership(context, membership_id)
    return answer.written(result, _public(result.value, commands))


@router.delete("/{membership_id}", status_code=status.HTTP_202_ACCEPTED)
def delete_membership(
    membership_id: str, commands: Commands, context: CommandContext, answer: Answer
) -> Response:
    result = commands.memberships.delete_membership(context, membership_id)
    return answer.status(result, status.HTTP_202_ACCEPTED)
