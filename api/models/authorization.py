"""Bodies of the authorization schema: resource types (an idgov extension), permissions, roles."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, Field

from api.models.common import Public, RequestBody

Name = Field(min_length=1, max_length=48)
Description = Field(default=None, max_length=150)
Slug = Field(min_length=1, max_length=48)


class ResourceTypeCreate(RequestBody):
    slug: str = Slug
    name: str = Name
    description: str | None = Description
    parent_type_slugs: list[str] = Field(
        default_factory=lambda: ["organization"], min_length=1, max_length=10
    )


class ResourceTypeUpdate(RequestBody):
    name: str | None = Field(default=None, min_length=1, max_length=48)
    description: str | None = Description
    parent_type_slugs: list[str] | None = Field(default=None, min_length=1, max_length=10)


class ResourceTypePublic(Public):
    object: Literal["resource_type"] = "resource_type"
    slug: str
    name: str
    description: str | None
    parent_type_slugs: list[str]
    created_at: datetime
    updated_at: datetime


class _ScopedCreate(RequestBody):
    slug: str = Slug
    name: str = Name
    description: str | None = Description
    resource_type_slug: str | None = Field(default=None, min_length=1, max_length=48)


class _NamedUpdate(RequestBody):
    name: str | None = Field(default=None, min_length=1, max_length=48)
    description: str | None = Description


class PermissionCreate(_ScopedCreate):
    pass


class PermissionUpdate(_NamedUpdate):
    pass


class PermissionPublic(Public):
    object: Literal["permission"] = "permission"
    id: str
    slug: str
    name: str
    description: str | None
    system: bool
    resource_type_slug: str
    created_at: datetime
    updated_at: datetime


class RoleCreate(_ScopedCreate):
    pass


class OrganizationRoleCreate(RequestBody):
    """Without a slug, one is made from the name; a given one starts with ``org-``."""

    slug: str | None = Field(default=None, min_length=1, max_length=48)
    name: str = Name
    description: str | None = Description
    resource_type_slug: str | None = Field(default=None, min_length=1, max_length=48)


class RoleUpdate(_NamedUpdate):
    pass


class RolePermissions(RequestBody):
    permissions: list[str] = Field(max_length=1000)


class RolePermission(RequestBody):
    slug: str = Slug


class RolePublic(Public):
    object: Literal["role"] = "role"
    id: str
    slug: str
    name: str
    description: str | None
    type: Literal["EnvironmentRole", "OrganizationRole"]
    resource_type_slug: str
    permissions: list[str]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        kind = "EnvironmentRole" if row["organization_id"] is None else "OrganizationRole"
        return cls.model_validate({**row, "type": kind})


class RoleList(BaseModel):  # every role, in priority order: WorkOS pages no role list
    object: Literal["list"] = "list"
    data: list[RolePublic]

    @classmethod
    def from_rows(cls, rows: list[dict[str, Any]]) -> RoleList:
        return cls(data=[RolePublic.from_row(row) for row in rows])


class RoleSettingsUpdate(RequestBody):
    """Fields left out (or null) stay as they are."""

    default_role_slug: str | None = Field(default=None, min_length=1, max_length=48)
    priority_order: list[str] | None = Field(default=None, max_length=1000)
    multiple_roles: bool | None = None


class OrganizationRoleSettingsUpdate(RequestBody):
    """Fields left out (or null) stay as they are."""

    default_role_slug: str | None = Field(default=None, min_length=1, max_length=48)
    priority_order: list[str] | None = Field(default=None, max_length=1000)


class RoleSettingsPublic(Public):
    object: Literal["role_settings"] = "role_settings"
    default_role_slug: str | None
    multiple_roles: bool
    priority_order: list[str]


class OrganizationRoleSettingsPublic(Public):
    object: Literal["organization_role_settings"] = "organization_role_settings"
    organization_id: str
    customized: bool
    default_role_slug: str | None
    priority_order: list[str]
