"""WorkOS Organizations API: /organizations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import Command, DirectoryReads, Pagination
from api.models.common import ListResponse, listed
from api.models.organizations import (
    OrganizationCreate,
    OrganizationPublic,
    OrganizationUpdate,
    domain_pairs,
)
from domain.errors import NotFound
from projections.directory import queries

router = APIRouter(prefix="/organizations", tags=["organizations"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_organization(body: OrganizationCreate, do: Command) -> OrganizationPublic:
    """Create an organization, with its domains, metadata and external id."""
    result = do.commands.organizations.create_organization(
        do.context,
        name=body.name,
        external_id=body.external_id,
        metadata=body.metadata,
        domains=domain_pairs(body) or (),
        stripe_customer_id=body.stripe_customer_id,
        allow_profiles_outside_organization=bool(body.allow_profiles_outside_organization),
    )
    return do.written(result, OrganizationPublic.from_aggregate(result.value))


@router.get("")
def list_organizations(
    reads: DirectoryReads,
    page: Pagination,
    domains: Annotated[list[str] | None, Query()] = None,
    search: Annotated[str | None, Query(max_length=255)] = None,
) -> ListResponse[OrganizationPublic]:
    """Organizations, newest first, optionally only those with given domains or a name
    containing some text."""
    # The SDK sends domains comma-separated; repeated parameters work too.
    wanted = [d for value in domains or [] for d in value.split(",") if d] or None
    with reads.connection() as reader:
        found = queries.organizations(reader, page, domains=wanted, search=search)
    return listed(found, OrganizationPublic.from_row)


@router.get("/external_id/{external_id}")
def get_organization_by_external_id(external_id: str, reads: DirectoryReads) -> OrganizationPublic:
    """The organization with this external id."""
    with reads.connection() as reader:
        row = queries.organization_by_external_id(reader, external_id)
    if row is None:
        raise NotFound(f"Organization not found: external id '{external_id}'.")
    return OrganizationPublic.from_row(row)


@router.get("/{organization_id}")
def get_organization(organization_id: str, reads: DirectoryReads) -> OrganizationPublic:
    """The organization with this id."""
    with reads.connection() as reader:
        row = queries.organization(reader, organization_id)
    if row is None:
        raise NotFound(f"Organization not found: '{organization_id}'.")
    return OrganizationPublic.from_row(row)


@router.put("/{organization_id}")
def update_organization(
    organization_id: str, body: OrganizationUpdate, do: Command
) -> OrganizationPublic:
    """Change the fields sent; a field left out stays as it is. `domain_data` replaces the
    domains; the deprecated `domains` list (pending domains) is read only without it."""
    changes = body.model_dump(include=body.model_fields_set - {"domains", "domain_data"})
    if changes.get("name") is None:
        changes.pop("name", None)
    pairs = domain_pairs(body)
    if pairs is not None:
        changes["domains"] = pairs
    result = do.commands.organizations.update_organization(do.context, organization_id, **changes)
    return do.written(result, OrganizationPublic.from_aggregate(result.value))


@router.delete("/{organization_id}", status_code=status.HTTP_202_ACCEPTED)
def delete_organization(organization_id: str, do: Command) -> Response:
    """Delete the organization, with its memberships, groups, custom roles and resources.
    Answers 202 with no body."""
    result = do.commands.organizations.delete_organization(do.context, organization_id)
    return do.status(result, status.HTTP_202_ACCEPTED)
