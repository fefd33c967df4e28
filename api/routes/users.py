"""WorkOS User Management API, users: /user_management/users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import Command, DirectoryReads, Pagination
from api.errors import invalid_parameters
from api.models.common import ListResponse, listed
from api.models.users import UserCreate, UserPublic, UserUpdate
from domain.errors import NotFound
from projections.directory import queries

router = APIRouter(prefix="/user_management/users", tags=["users"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, do: Command) -> UserPublic:
    """Create a user. idgov stores no credentials: password fields are refused unless null."""
    result = do.commands.users.create_user(
        do.context,
        email=body.email,
        first_name=body.first_name,
        last_name=body.last_name,
        email_verified=bool(body.email_verified),
        external_id=body.external_id,
        metadata=body.metadata,
    )
    return do.written(result, UserPublic.from_aggregate(result.value))


@router.get("")
def list_users(
    reads: DirectoryReads,
    page: Pagination,
    email: Annotated[str | None, Query(max_length=320)] = None,
    organization_id: Annotated[str | None, Query(max_length=255)] = None,
    organization: Annotated[str | None, Query(max_length=255, deprecated=True)] = None,
) -> ListResponse[UserPublic]:
    """Users, newest first, optionally only one email or the members of one organization
    (`organization_id`, or the SDK's older `organization`; both only if they agree)."""
    with reads.connection() as reader:
        if (
            organization is not None
            and organization_id is not None
            and organization != organization_id
        ):
            message = "Send either 'organization_id' or the deprecated 'organization', not both."
            raise invalid_parameters(message, "mutually_exclusive", "organization")
        found = queries.users(
            reader,
            page,
            email=email and email.strip(),
            organization_id=organization_id or organization,
        )
    return listed(found, UserPublic.from_row)


@router.get("/external_id/{external_id}")
def get_user_by_external_id(external_id: str, reads: DirectoryReads) -> UserPublic:
    """The user with this external id."""
    with reads.connection() as reader:
        row = queries.user_by_external_id(reader, external_id)
    if row is None:
        raise NotFound(f"User not found: external id '{external_id}'.")
    return UserPublic.from_row(row)


@router.get("/{user_id}")
def get_user(user_id: str, reads: DirectoryReads) -> UserPublic:
    """The user with this id."""
    with reads.connection() as reader:
        row = queries.user(reader, user_id)
    if row is None:
        raise NotFound(f"User not found: '{user_id}'.")
    return UserPublic.from_row(row)


@router.put("/{user_id}")
def update_user(user_id: str, body: UserUpdate, do: Command) -> UserPublic:
    """Change the fields sent; a field left out stays as it is."""
    result = do.commands.users.update_user(do.context, user_id, **body.changes())
    return do.written(result, UserPublic.from_aggregate(result.value))


@router.delete("/{user_id}", status_code=status.HTTP_202_ACCEPTED)
def delete_user(user_id: str, do: Command) -> Response:
    """Delete the user and, with it, every organization membership it had."""
    result = do.commands.users.delete_user(do.context, user_id)
    return do.status(result, status.HTTP_202_ACCEPTED)
