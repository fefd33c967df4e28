"""Bodies of resources, role assignments, checks and discovery."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self, TypeVar

from pydantic import BaseModel, Field, model_validator

from api.errors import invalid_parameters
from api.models.common import Public, RequestBody

ExternalId = Field(min_length=1, max_length=128, pattern=r"^[\x00-\x7F]+$")
TypeSlug = Field(min_length=1, max_length=48)
Body = TypeVar("Body", bound=BaseModel)


def one_of(body: BaseModel, by_id: str, *pair: str, required: bool = True) -> bool:
    """WorkOS's mutually exclusive identifiers: an id, or an external-id pair, never both.

    Returns whether either was given."""
    values = {name: getattr(body, name) for name in (by_id, *pair)}
    has_id = values[by_id] is not None
    pair_given = [name for name in pair if values[name] is not None]
    if has_id and pair_given:
        message = f"Send '{by_id}' or {' + '.join(pair)}, not both."
        raise invalid_parameters(message, "mutually_exclusive", by_id, *pair_given)
    if pair_given and len(pair_given) != len(pair):
        missing = [name for name in pair if name not in pair_given]
        raise invalid_parameters(f"{' and '.join(pair)} go together.", "required", *missing)
    if required and not has_id and not pair_given:
        raise invalid_parameters(f"Send '{by_id}' or {' + '.join(pair)}.", "required", by_id)
    return has_id or bool(pair_given)


def _one_parent(body: Body) -> Body:
    """A parent by id or by its external-id pair, or none."""
    one_of(
        body,
        "parent_resource_id",
        "parent_resource_external_id",
        "parent_resource_type_slug",
        required=False,
    )
    return body


class ResourceCreate(RequestBody):
    external_id: str = ExternalId
    name: str = Field(min_length=1, max_length=48)
    description: str | None = Field(default=None, max_length=150)
    resource_type_slug: str = TypeSlug
    organization_id: str = Field(min_length=1, max_length=64)
    parent_resource_id: str | None = Field(default=None, max_length=64)
    parent_resource_external_id: str | None = Field(default=None, min_length=1, max_length=128)
    parent_resource_type_slug: str | None = Field(default=None, min_length=1, max_length=48)

    _one_parent = model_validator(mode="after")(_one_parent)


class ResourceUpdate(RequestBody):
    name: str | None = Field(default=None, min_length=1, max_length=48)
    description: str | None = Field(default=None, max_length=150)
    parent_resource_id: str | None = Field(default=None, max_length=64)
    parent_resource_external_id: str | None = Field(default=None, min_length=1, max_length=128)
    parent_resource_type_slug: str | None = Field(default=None, min_length=1, max_length=48)

    _one_parent = model_validator(mode="after")(_one_parent)


class ResourcePublic(Public):
    object: Literal["authorization_resource"] = "authorization_resource"
    id: str
    external_id: str
    name: str
    description: str | None
    resource_type_slug: str
    organization_id: str
    parent_resource_id: str | None
    created_at: datetime
    updated_at: datetime


class ResourceTarget(RequestBody):
    """A resource by id or by its external-id pair (or, where a route allows it, neither)."""

    resource_id: str | None = Field(default=None, max_length=64)
    resource_external_id: str | None = Field(default=None, min_length=1, max_length=128)
    resource_type_slug: str | None = Field(default=None, min_length=1, max_length=48)

    @model_validator(mode="after")
    def _one_target(self) -> ResourceTarget:
        one_of(self, "resource_id", "resource_external_id", "resource_type_slug", required=False)
        return self


class CheckRequest(ResourceTarget):
    permission_slug: str = Field(min_length=1, max_length=48)

    @model_validator(mode="after")
    def _a_target(self) -> CheckRequest:
        one_of(self, "resource_id", "resource_external_id", "resource_type_slug")
        return self


class CheckResponse(BaseModel):
    authorized: bool


class BatchCheck(CheckRequest):
    organization_membership_id: str = Field(min_length=1, max_length=64)


class BatchCheckRequest(RequestBody):
    checks: list[BatchCheck] = Field(min_length=1, max_length=100)


class BatchCheckResponse(BaseModel):
    object: Literal["list"] = "list"
    data: list[CheckResponse]


class RoleTarget(ResourceTarget):
    role_slug: str = Field(min_length=1, max_length=48)


class RoleAssignmentPublic(Public):
    object: Literal["role_assignment"] = "role_assignment"
    id: str
    organization_membership_id: str
    role: dict[str, str]
    resource: dict[str, str]
    source: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        """A holding as WorkOS's role assignment; organization-level roles show on the root."""
        return cls.model_validate(
            {
                **assigned(row),
                "organization_membership_id": row["membership_id"],
                "source": _source(row),
            }
        )


def assigned(row: dict[str, Any]) -> dict[str, Any]:
    """What every role assignment row says, as WorkOS names it: the role and the resource."""
    return {
        "id": row["id"],
        "role": {"slug": row["role_slug"]},
        "resource": {
            "id": row["resource_id"],
            "external_id": row["resource_external_id"],
            "resource_type_slug": row["resource_type_slug"],
        },
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def _source(row: dict[str, Any]) -> dict[str, Any]:
    """Where a membership's role comes from: its own assignment, or a group's."""
    if row.get("source") == "group":
        return {
            "type": "group",
            "group_role_assignment_id": row["group_role_assignment_id"],
            "group": {"id": row["group_id"], "name": row["group_name"]},
        }
    return {"type": "direct", "group_role_assignment_id": None, "group": None}
