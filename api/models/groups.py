"""Bodies of groups, their members and their role assignments, as the WorkOS Groups and
Authorization APIs have them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.errors import ApiError
from api.models.common import RequestBody
from api.models.resources import RoleTarget
from domain.groups import Group

MembershipId = Field(min_length=1, max_length=255)
MAX_CHANGES = 100


class GroupCreate(RequestBody):
    name: str = Field(min_length=1, max_length=256)
    description: str | None = Field(default=None, max_length=150)


class GroupUpdate(RequestBody):
    name: str | None = Field(default=None, min_length=1, max_length=256)
    description: str | None = Field(default=None, max_length=150)


class GroupPublic(BaseModel):
    object: Literal["group"] = "group"
    id: str
    organization_id: str
    name: str
    description: str | None
    created_at: datetime
    updated_at: datetime


class GroupMemberAdd(RequestBody):
    organization_membership_id: str = MembershipId


def _between_one_and_max(add: list[Any] | None, remove: list[Any] | None) -> None:
    """WorkOS's batch bodies: ``add`` and ``remove`` hold 1 to 100 entries together."""
    count = len(add or []) + len(remove or [])
    if not 1 <= count <= MAX_CHANGES:
        raise ApiError(
            422,
            "invalid_request_parameters",
            f"'add' and 'remove' must hold between 1 and {MAX_CHANGES} entries together.",
            errors=[{"field": "add", "code": "out_of_range"}],
        )


class GroupMembersChange(RequestBody):
    add: list[str] | None = Field(default=None, max_length=MAX_CHANGES)
    remove: list[str] | None = Field(default=None, max_length=MAX_CHANGES)

    def check(self) -> None:
        _between_one_and_max(self.add, self.remove)


class GroupRoleAssignmentsReplace(RequestBody):
    role_assignments: list[RoleTarget] = Field(max_length=MAX_CHANGES)


class GroupRoleAssignmentsChange(RequestBody):
    add: list[RoleTarget] | None = Field(default=None, max_length=MAX_CHANGES)
    remove: list[RoleTarget] | None = Field(default=None, max_length=MAX_CHANGES)

    def check(self) -> None:
        _between_one_and_max(self.add, self.remove)


class AssignmentResource(BaseModel):
    id: str
    external_id: str
    resource_type_slug: str


class SlimRole(BaseModel):
    slug: str


class GroupRoleAssignmentPublic(BaseModel):
    object: Literal["group_role_assignment"] = "group_role_assignment"
    id: str
    group_id: str
    role: SlimRole
    resource: AssignmentResource
    created_at: datetime
    updated_at: datetime


def render_group(row: dict[str, Any]) -> dict[str, Any]:
    return GroupPublic.model_validate(row).model_dump(mode="json")


def render_group_aggregate(group: Group) -> dict[str, Any]:
    """The write-side aggregate as the public object (commands answer without waiting)."""
    return render_group(
        {
            "id": group.id,
            "organization_id": group.organization_id,
            "name": group.name,
            "description": group.description,
            "created_at": group.created_on,
            "updated_at": group.modified_on,
        }
    )


def render_group_role_assignment(row: dict[str, Any]) -> dict[str, Any]:
    return GroupRoleAssignmentPublic(
        id=row["id"],
        group_id=row["group_id"],
        role=SlimRole(slug=row["role_slug"]),
        resource=AssignmentResource(
            id=row["resource_id"],
            external_id=row["resource_external_id"],
            resource_type_slug=row["resource_type_slug"],
        ),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    ).model_dump(mode="json")
