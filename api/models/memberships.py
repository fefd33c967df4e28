"""Organization membership bodies, as the WorkOS User Management API has them.

Roles are named by slug, either one (``role_slug``) or several (``role_slugs``), never both.
Only the slug's form is checked here (lowercase letters, digits, ``-`` and ``_``, 1 to 64
characters); whether the organization has such a role, whether it is organization-level and
whether several are allowed is for the use cases to say (422 ``invalid_role``,
``sub_resource_scoped_role_not_allowed``, ``multiple_roles_not_enabled``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError

from api.errors import invalid_parameters
from api.models.common import Public, RequestBody
from api.models.users import UserPublic
from domain.memberships import OrganizationMembership

MembershipStatus = Literal["active", "inactive", "pending"]
STATUSES: tuple[MembershipStatus, ...] = ("active", "inactive", "pending")
RoleSlug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,64}$")]
Id = Field(min_length=1, max_length=255)


class _RolesBody(RequestBody):
    role_slug: RoleSlug | None = None
    role_slugs: list[RoleSlug] | None = Field(default=None, min_length=1, max_length=50)

    @field_validator("role_slugs")
    @classmethod
    def _distinct(cls, slugs: list[str] | None) -> list[str] | None:
        if slugs is not None and len(set(slugs)) != len(slugs):
            raise PydanticCustomError("duplicate_value", "Each role slug may appear once.")
        return slugs

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        if self.role_slug is not None and self.role_slugs is not None:
            message = "Send either 'role_slug' or 'role_slugs', not both."
            raise invalid_parameters(message, "mutually_exclusive", "role_slug", "role_slugs")
        return self

    def roles(self) -> tuple[str, ...] | None:
        """The roles asked for, or None when the body names none."""
        if self.role_slug is not None:
            return (self.role_slug,)
        return tuple(self.role_slugs) if self.role_slugs is not None else None

    def role_field(self) -> str:
        """The field the roles came in, for errors about them."""
        return "role_slug" if self.role_slug is not None else "role_slugs"


class MembershipCreate(_RolesBody):
    user_id: str = Id
    organization_id: str = Id


class MembershipUpdate(_RolesBody):
    """A body naming no role changes nothing."""


class SlimRole(BaseModel):
    slug: str


class MembershipPublic(Public):
    object: Literal["organization_membership"] = "organization_membership"
    id: str
    user_id: str
    organization_id: str
    organization_name: str
    status: MembershipStatus
    role: SlimRole
    roles: list[SlimRole]
    directory_managed: bool = False
    custom_attributes: dict[str, Any] = Field(default_factory=dict)
    user: UserPublic
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        """A read-model row: the membership, its organization's name and its user."""
        roles = [{"slug": slug} for slug in row["role_slugs"]]
        return cls.model_validate({**row, "role": roles[0], "roles": roles})

    @classmethod
    def from_aggregate(
        cls, membership: OrganizationMembership, organization_name: str, user: UserPublic
    ) -> Self:
        """Commands answer from the write side, without waiting for the read model."""
        return cls.from_row(
            {
                "id": membership.id,
                "user_id": membership.user_id,
                "organization_id": membership.organization_id,
                "organization_name": organization_name,
                "status": membership.status,
                "role_slugs": membership.role_slugs,
                "user": user,
                "created_at": membership.created_on,
                "updated_at": membership.modified_on,
            }
        )
