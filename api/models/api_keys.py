"""API key bodies (an idgov extension: WorkOS manages keys in its dashboard)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, Field

from api.models.common import RequestBody
from domain.api_keys import ApiKey, Scope


class ApiKeyCreate(RequestBody):
    name: str = Field(min_length=1, max_length=255)
    scopes: list[Scope] = Field(
        min_length=1,
        max_length=3,
        description="What the key may do: admin (everything), read, audit:read.",
        examples=[["read"]],
    )
    organization_ids: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="The organizations the key is restricted to; none: every organization.",
    )


class ApiKeyPublic(BaseModel):
    object: Literal["api_key"] = "api_key"
    id: str
    name: str
    display_hint: str = Field(
        description="The secret's ends, to recognise the key by (never enough to guess it)."
    )
    scopes: list[Scope] = Field(description="What the key may do: admin, read, audit:read.")
    organization_ids: list[str] = Field(
        description="The organizations the key is restricted to; empty: every organization."
    )
    revoked: bool = Field(description="Whether the key was revoked: it is then refused.")
    created_at: datetime

    @classmethod
    def from_aggregate(cls, key: ApiKey) -> Self:
        return cls(
            id=key.id,
            name=key.name,
            display_hint=key.display_hint,
            scopes=list(key.scopes),
            organization_ids=list(key.organization_ids),
            revoked=key.revoked,
            created_at=key.created_on,
        )


class ApiKeyCreated(ApiKeyPublic):
    secret: str = Field(description="shown this once: idgov keeps only a keyed digest of it")


class ApiKeyList(BaseModel):  # every key: there are few, and WorkOS pages no such list
    object: Literal["list"] = "list"
    data: list[ApiKeyPublic]
