"""Bodies of groups, their members and their role assignments, as the WorkOS Groups and
Authorization APIs have them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal, Protocol, Self, TypeVar

from pydantic import BaseModel, Field, model_validator

from api.errors import invalid_parameters
from api.models.common import Public, RequestBody
from api.models.resources import RoleTarget, assigned
from domain.groups import Group

MembershipId = Field(min_length=1, max_length=255)
MAX_CHANGES = 100


class _Changes(Protocol):
    @property
    def add(self) -> Sequence[object] | None: ...
    @property
    def remove(self) -> Sequence[object] | None: ...


Change = TypeVar("Change", bound=_Changes)


class GroupCreate(RequestBody):
    name: str = Field(min_length=1, max_length=256)
    description: str | None = Field(default=None, max_length=150)


class GroupUpdate(RequestBody):
    name: str | None = Field(default=None, min_length=1, max_length=256)
    description: str | None = Field(default=None, max_length=150)


class GroupPublic(Public):
    object: Literal["group"] = "group"
    id: str
    organization_id: str
    name: str
    description: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_aggregate(cls, group: Group) -> Self:
        """Commands answer from the write side, without waiting for the read model."""
        return cls(
            id=group.id,
            organization_id=group.organization_id,
            name=group.name,
            description=group.description,
            created_at=group.created_on,
            updated_at=group.modified_on,
        )


class GroupMemberAdd(RequestBody):
    organization_membership_id: str = MembershipId


def _one_to_max_changes(body: Change) -> Change:
    """WorkOS's batch bodies: ``add`` and ``remove`` hold 1 to 100 entries together."""
    count = len(body.add or []) + len(body.remove or [])
    if not 1 <= count <= MAX_CHANGES:
        message = f"'add' and 'remove' must hold between 1 and {MAX_CHANGES} entries together."
        raise invalid_parameters(message, "out_of_range", "add")
    return body


class GroupMembersChange(RequestBody):
    add: list[str] | None = Field(default=None, max_length=MAX_CHANGES)
    remove: list[str] | None = Field(default=None, max_length=MAX_CHANGES)

    _one_to_max = model_validator(mode="after")(_one_to_max_changes)


class GroupRoleAssignmentsReplace(RequestBody):
    role_assignments: list[RoleTarget] = Field(max_length=MAX_CHANGES)


class GroupRoleAssignmentsChange(RequestBody):
    add: list[RoleTarget] | None = Field(default=None, max_length=MAX_CHANGES)
    remove: list[RoleTarget] | None = Field(default=None, max_length=MAX_CHANGES)

    _one_to_max = model_validator(mode="after")(_one_to_max_changes)


class AssignmentResource(BaseModel):
    id: str
    external_id: str
    resource_type_slug: str


class SlimRole(BaseModel):
    slug: str


class GroupRoleAssignmentPublic(Public):
    object: Literal["group_role_assignment"] = "group_role_assignment"
    id: str
    group_id: str
    role: SlimRole
    resource: AssignmentResource
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        return cls.model_validate({**assigned(row), "group_id": row["group_id"]})
