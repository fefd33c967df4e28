"""Organization bodies, as the WorkOS Organizations API has them."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, Field

from api.models.common import Public, RequestBody
from domain.organizations import Organization

DomainState = Literal["pending", "verified", "failed", "legacy_verified", "legacy_dns_verified"]
Name = Field(min_length=1, max_length=255)
ExternalId = Field(default=None, min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")
Metadata = dict[str, str]


class DomainData(RequestBody):
    domain: str = Field(min_length=3, max_length=253, pattern=r"^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
    state: DomainState


class OrganizationUpdate(RequestBody):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    allow_profiles_outside_organization: bool | None = None
    domains: list[str] | None = Field(default=None, max_length=100, deprecated=True)
    domain_data: list[DomainData] | None = Field(default=None, max_length=100)
    metadata: Metadata | None = Field(default=None, max_length=50)
    external_id: str | None = ExternalId
    stripe_customer_id: str | None = Field(default=None, max_length=255)


class OrganizationCreate(OrganizationUpdate):  # an update whose name is required
    name: str = Name


class OrganizationDomainPublic(BaseModel):
    object: Literal["organization_domain"] = "organization_domain"
    id: str
    organization_id: str
    domain: str
    state: DomainState
    created_at: datetime
    updated_at: datetime


class OrganizationPublic(Public):
    object: Literal["organization"] = "organization"
    id: str
    name: str
    domains: list[OrganizationDomainPublic]
    metadata: Metadata
    external_id: str | None
    stripe_customer_id: str | None
    allow_profiles_outside_organization: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        domains = [
            {
                "object": "organization_domain",
                "organization_id": row["id"],
                "created_at": row["created_at"],
                "updated_at": row["updated_at"],
                **domain,
            }
            for domain in row["domains"]
        ]
        return cls.model_validate({**row, "domains": domains})

    @classmethod
    def from_aggregate(cls, organization: Organization) -> Self:
        """Commands answer from the write side, without waiting for the read model."""
        return cls.from_row(
            {
                "id": organization.id,
                "name": organization.name,
                "domains": [asdict(d) for d in organization.domains],
                "metadata": organization.metadata,
                "external_id": organization.external_id,
                "stripe_customer_id": organization.stripe_customer_id,
                "allow_profiles_outside_organization": (
                    organization.allow_profiles_outside_organization
                ),
                "created_at": organization.created_on,
                "updated_at": organization.modified_on,
            }
        )


def domain_pairs(body: OrganizationUpdate) -> list[tuple[str, str]] | None:
    """``domain_data`` wins; the deprecated ``domains`` list means pending domains."""
    if body.domain_data is not None:
        return [(d.domain, d.state) for d in body.domain_data]
    if body.domains is not None:
        return [(d, "pending") for d in body.domains]
    return None
