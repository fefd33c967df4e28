"""WorkOS Organizations API: /organizations."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from api.deps import Answer, CommandContext, Commands, DirectoryReads, Pagination
from api.models.common import ListResponse
from api.models.organizations import (
    OrganizationCreate,
    OrganizationPublic,
    OrganizationUpdate,
    domain_pairs,
    render,
)
from domain.errors import NotFound
from domain.organizations import Organization
from projections.directory import queries

router = APIRouter(prefix="/organizations", tags=["organizations"])


def _public(organization: Organization) -> dict[str, Any]:
    """The write-side aggregate as the public object (commands answer without waiting for reads)."""
    return render(
        {
            "id": organization.id,
            "name": organization.name,
            "domains": [asdict(d) for d in organization.domains],
            "metadata": organization.metadata,
            "external_id": organization.external_id,
            "stripe_customer_id": organization.stripe_customer_id,
            "allow_profiles_outside_organization": organization.allow_profiles_outside_organization,
            "created_at": organization.created_on,
            "updated_at": organization.modified_on,
        }
    )


@router.post("", response_model=OrganizationPublic, status_code=status.HTTP_201_CREATED)
def create_organization(
    body: OrganizationCreate, commands: Commands, context: CommandContext, answer: Answer
) -> dict[str, Any]:
    result = commands.organizations.create_organization(
        context,
        name=body.name,
        external_id=body.external_id,
        metadata=body.metadata,
        domains=domain_pairs(body) or (),
        stripe_customer_id=body.stripe_customer_id,
        allow_profiles_outside_organization=bool(body.allow_profiles_outside_organization),
    )
    return answer.written(result, _public(result.value))


@router.get("", response_model=ListResponse[OrganizationPublic])
def list_organizations(
    reads: DirectoryReads,
    page: Pagination,
    domains: Annotated[list[str] | None, Query()] = None,
    search: Annotated[str | None, Query(max_length=255)] = None,
) -> dict[str, Any]:
    # The SDK sends domains comma-separated; repeated parameters work too.
    with reads.connection() as reader:
        wanted = [d for value in domains or [] for d in value.split(",") if d] or None
        result = queries.organizations(reader, page, domains=wanted, search=search)
        return {
            "object": "list",
            "data": [render(row) for row in result.rows],
            "list_metadata": {"before": result.before, "after": result.after},
        }


@router.get("/external_id/{external_id}", response_model=OrganizationPublic)
def get_organization_by_external_id(external_id: str, reads: DirectoryReads) -> dict[str, Any]:
    with reads.connection() as reader:
        row = queries.organization_by_external_id(reader, external_id)
        if row is None:
            raise NotFound(f"Organization not found: external id '{external_id}'.")
        return render(row)


@router.get("/{organization_id}", response_model=OrganizationPublic)
def get_organization(organization_id: str, reads: DirectoryReads) -> dict[str, Any]:
    with reads.connection() as reader:
        row = queries.organization(reader, organization_id)
        if row is None:
            raise NotFound(f"Organization not found: '{organization_id}'.")
        return render(row)


@router.put("/{organization_id}", response_model=OrganizationPublic)
def update_organization(
    organization_id: str,
    body: OrganizationUpdate,
    commands: Commands,
    context: CommandContext,
    answer: Answer,
) -> dict[str, Any]:
    changes = body.model_dump(include=body.model_fields_set - {"domains", "domain_data"})
    if changes.get("name") is None:
        changes.pop("name", None)
    pairs = domain_pairs(body)
    if pairs is not None:
        changes["domains"] = pairs
    result = commands.organizations.update_organization(context, organization_id, **changes)
    return answer.written(result, _public(result.value))


@router.delete("/{organization_id}", status_code=status.HTTP_202_ACCEPTED)
def delete_organization(
    organization_id: str, commands: Commands, context: CommandContext, answer: Answer
) -> Response:
    result = commands.organizations.delete_organization(context, organization_id)
    return answer.status(result, status.HTTP_202_ACCEPTED)
