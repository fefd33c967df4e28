"""WorkOS User Management API, users: /user_management/users."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from api.deps import Answer, CommandContext, Commands, DirectoryReads, Pagination
from api.errors import ApiError
from api.models.common import ListResponse, list_response
from api.models.users import UserCreate, UserPublic, UserUpdate, render, render_aggregate
from domain.errors import NotFound
from projections.directory import queries

router = APIRouter(prefix="/user_management/users", tags=["users"])


@router.post("", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
def create_user(
    body: UserCreate, commands: Commands, context: CommandContext, answer: Answer
) -> dict[str, Any]:
    result = commands.users.create_user(
        context,
        email=body.email,
        first_name=body.first_name,
        last_name=body.last_name,
        email_verified=bool(body.email_verified),
        external_id=body.external_id,
        metadata=body.metadata,
    )
    return answer.written(result, render_aggregate(result.value))


@router.get("", response_model=ListResponse[UserPublic])
def list_users(
    reads: DirectoryReads,
    page: Pagination,
    email: Annotated[str | None, Query(max_length=320)] = None,
    organization_id: Annotated[str | None, Query(max_length=255)] = None,
    organization: Annotated[str | None, Query(max_length=255, deprecated=True)] = None,
) -> dict[str, Any]:
    with reads.connection() as reader:
        if (
            organization is not None
            and organization_id is not None
            and organization != organization_id
        ):
            raise ApiError(
                422,
                "invalid_request_parameters",
                "Send either 'organization_id' or the deprecated 'organization', not both.",
                errors=[{"field": "organization", "code": "mutually_exclusive"}],
            )
        result = queries.users(
            reader,
            page,
            email=email and email.strip(),
            organization_id=organization_id or organization,
        )
        return list_response(result, render)


@router.get("/external_id/{external_id}", response_model=UserPublic)
def get_user_by_external_id(external_id: str, reads: DirectoryReads) -> dict[str, Any]:
    with reads.connection() as reader:
        row = queries.user_by_external_id(reader, external_id)
        if row is None:
            raise NotFound(f"User not found: external id '{external_id}'.")
        return render(row)


@router.get("/{user_id}", response_model=UserPublic)
def get_user(user_id: str, reads: DirectoryReads) -> dict[str, Any]:
    with reads.connection() as reader:
        row = queries.user(reader, user_id)
        if row is None:
            raise NotFound(f"User not found: '{user_id}'.")
        return render(row)


@router.put("/{user_id}", response_model=UserPublic)
def update_user(
    user_id: str, body: UserUpdate, commands: Commands, context: CommandContext, answer: Answer
) -> dict[str, Any]:
    result = commands.users.update_user(context, user_id, **body.changes())
    return answer.written(result, render_aggregate(result.value))


@router.delete("/{user_id}", status_code=status.HTTP_202_ACCEPTED)
def delete_user(
    user_id: str, commands: Commands, context: CommandContext, answer: Answer
) -> Response:
    """Delete the user and, with it, every organization membership it had."""
    result = commands.users.delete_user(context, user_id)
    return answer.status(result, status.HTTP_202_ACCEPTED)
