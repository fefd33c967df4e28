"""WorkOS User Management API, memberships: /user_management/organization_memberships."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from psycopg import Connection
from psycopg.rows import DictRow

from api.deps import Command, DirectoryReads, Pagination
from api.errors import ApiError, invalid_parameters
from api.models.common import ListResponse, listed
from api.models.memberships import STATUSES, MembershipCreate, MembershipPublic, MembershipUpdate
from api.models.users import UserPublic
from domain.errors import NotFound
from domain.memberships import OrganizationMembership
from domain.store import Committed
from projections.directory import queries
from projections.pagination import Page

router = APIRouter(prefix="/user_management/organization_memberships", tags=["memberships"])


def _answer(do: Command, result: Committed[OrganizationMembership]) -> MembershipPublic:
    """The committed membership, with its organization's name and its user from the write side."""
    membership = result.value
    organization = do.commands.store.get_organization(membership.organization_id)
    user = UserPublic.from_aggregate(do.commands.store.get_user(membership.user_id))
    return do.written(result, MembershipPublic.from_aggregate(membership, organization.name, user))


def memberships_by_id(
    directory: Connection[DictRow], found: Page, key: str
) -> ListResponse[MembershipPublic]:
    """A page of membership ids (under ``key``) from another read model, as the directory's
    memberships; one the directory does not hold yet is left out."""
    ids = [row[key] for row in found.rows]
    rows = queries.memberships_by_id(directory, ids)
    held = Page([rows[m] for m in ids if m in rows], found.before, found.after)
    return listed(held, MembershipPublic.from_row)


def _statuses(values: list[str] | None) -> list[str]:
    """``statuses`` comma-separated (as the SDK sends it) or repeated; only active by default."""
    wanted = [s for value in values or [] for s in value.split(",") if s]
    if any(s not in STATUSES for s in wanted):
        message = f"'statuses' takes any of {', '.join(STATUSES)}."
        raise invalid_parameters(message, "invalid_value", "statuses")
    return wanted or ["active"]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_membership(body: MembershipCreate, do: Command) -> MembershipPublic:
    """Add a user to an organization; an inactive membership of the pair is reactivated.
    Without a role the membership gets the organization's default role."""
    result = do.commands.memberships.create_membership(
        do.context,
        user_id=body.user_id,
        organization_id=body.organization_id,
        role_slugs=body.roles() or (),
        role_field=body.role_field(),
    )
    return _answer(do, result)


@router.get("")
def list_memberships(
    reads: DirectoryReads,
    page: Pagination,
    user_id: Annotated[str | None, Query(max_length=255)] = None,
    organization_id: Annotated[str | None, Query(max_length=255)] = None,
    statuses: Annotated[list[str] | None, Query()] = None,
) -> ListResponse[MembershipPublic]:
    """Memberships of one user or one organization (at least one of `user_id` and
    `organization_id`), active ones unless `statuses` says otherwise."""
    with reads.connection() as reader:
        if not user_id and not organization_id:
            raise ApiError(
                400,
                "missing_user_id_or_organization_id",
                "Send 'user_id', 'organization_id' or both.",
            )
        found = queries.memberships(
            reader,
            page,
            user_id=user_id,
            organization_id=organization_id,
            statuses=_statuses(statuses),
        )
    return listed(found, MembershipPublic.from_row)


@router.get("/{membership_id}")
def get_membership(membership_id: str, reads: DirectoryReads) -> MembershipPublic:
    """The membership with this id, with its user and roles."""
    with reads.connection() as reader:
        row = queries.membership(reader, membership_id)
    if row is None:
        raise NotFound(f"Organization membership not found: '{membership_id}'.")
    return MembershipPublic.from_row(row)


@router.put("/{membership_id}")
def update_membership(membership_id: str, body: MembershipUpdate, do: Command) -> MembershipPublic:
    """Replace the membership's roles; a body naming no role changes nothing."""
    roles = body.roles()
    if roles is None:
        result = Committed(do.commands.store.get_membership(membership_id), None)
    else:
        result = do.commands.memberships.change_membership_roles(
            do.context, membership_id, roles, role_field=body.role_field()
        )
    return _answer(do, result)


@router.put("/{membership_id}/deactivate")
def deactivate_membership(membership_id: str, do: Command) -> MembershipPublic:
    """Active becomes inactive; an inactive membership stays as it is (no event)."""
    return _answer(do, do.commands.memberships.deactivate_membership(do.context, membership_id))


@router.put("/{membership_id}/reactivate")
def reactivate_membership(membership_id: str, do: Command) -> MembershipPublic:
    """Inactive becomes active with its previous roles; an active one stays as it is."""
    return _answer(do, do.commands.memberships.reactivate_membership(do.context, membership_id))


@router.delete("/{membership_id}", status_code=status.HTTP_202_ACCEPTED)
def delete_membership(membership_id: str, do: Command) -> Response:
    """Delete the membership and its role assignments and group memberships. Answers 202
    with no body."""
    result = do.commands.memberships.delete_membership(do.context, membership_id)
    return do.status(result, status.HTTP_202_ACCEPTED)
