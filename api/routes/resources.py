"""WorkOS Authorization API: resources, by id and by (organization, type, external id)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status
from psycopg import Connection
from psycopg.rows import DictRow

from api.deps import (
    AccessReads,
    CommandContext,
    Commands,
    DirectoryReads,
    Pagination,
    ServicesDep,
    committed,
    read_after,
)
from api.errors import ApiError
from api.models import memberships as membership_models
from api.models.common import ListResponse, list_response
from api.models.resources import (
    ResourceCreate,
    ResourcePublic,
    ResourceUpdate,
    RoleAssignmentPublic,
    one_of,
    render_assignment,
    render_resource,
)
from domain.errors import NotFound
from domain.resources import Resource
from projections.access import queries
from projections.directory import queries as directory_queries
from projections.pagination import Page

router = APIRouter(prefix="/authorization", tags=["authorization"])

Permission = Annotated[str, Query(min_length=1, max_length=48)]
Assignment = Annotated[Literal["direct", "indirect"], Query()]


def _resource_row(conn: Connection[DictRow], resource_id: str) -> dict[str, Any]:
    row = queries.resource(conn, resource_id)
    if row is None:
        raise NotFound(f"Resource not found: '{resource_id}'.")
    return row


def _resource_row_by_external_id(
    conn: Connection[DictRow], organization_id: str, resource_type_slug: str, external_id: str
) -> dict[str, Any]:
    row = queries.resource_by_external_id(conn, organization_id, resource_type_slug, external_id)
    if row is None:
        raise NotFound(f"Resource not found: '{external_id}' of type '{resource_type_slug}'.")
    return row


def _answer(services: ServicesDep, resource_id: str, position: int | None) -> dict[str, Any]:
    with read_after(services, "access", position) as conn:
        return render_resource(_resource_row(conn, resource_id))


# Commands --------------------------------------------------------------------


@router.post("/resources", response_model=ResourcePublic, status_code=status.HTTP_201_CREATED)
def create_resource(
    body: ResourceCreate,
    commands: Commands,
    services: ServicesDep,
    context: CommandContext,
    response: Response,
) -> dict[str, Any]:
    one_of(
        body,
        "parent_resource_id",
        "parent_resource_external_id",
        "parent_resource_type_slug",
        required=False,
    )
    result = commands.resources.create_resource(context, **body.model_dump())
    committed(response, result, commands)
    return _answer(services, result.value.id, result.position)


def _update(
    resource: Resource,
    body: ResourceUpdate,
    commands: Commands,
    services: ServicesDep,
    context: CommandContext,
    response: Response,
) -> dict[str, Any]:
    one_of(
        body,
        "parent_resource_id",
        "parent_resource_external_id",
        "parent_resource_type_slug",
        required=False,
    )
    result = commands.resources.update_resource(
        context,
        resource,
        name=body.name,
        description=body.description,
        describe="description" in body.model_fields_set,
        parent_resource_id=body.parent_resource_id,
        parent_resource_external_id=body.parent_resource_external_id,
        parent_resource_type_slug=body.parent_resource_type_slug,
    )
    committed(response, result, commands)
    return _answer(services, resource.id, result.position)


def _delete(
    resource: Resource,
    cascade: bool,
    commands: Commands,
    context: CommandContext,
    response: Response,
) -> Response:
    result = commands.resources.delete_resource(context, resource, cascade=cascade)
    committed(response, result, commands)
    response.status_code = status.HTTP_204_NO_CONTENT
    return response


@router.patch("/resources/{resource_id}", response_model=ResourcePublic)
def update_resource(
    resource_id: str,
    body: ResourceUpdate,
    commands: Commands,
    services: ServicesDep,
    context: CommandContext,
    response: Response,
) -> dict[str, Any]:
    return _update(
        commands.store.get_resource(resource_id), body, commands, services, context, response
    )


@router.patch(
    "/organizations/{organization_id}/resources/{resource_type_slug}/{external_id}",
    response_model=ResourcePublic,
)
def update_resource_by_external_id(
    organization_id: str,
    resource_type_slug: str,
    external_id: str,
    body: ResourceUpdate,
    commands: Commands,
    services: ServicesDep,
    context: CommandContext,
    response: Response,
) -> dict[str, Any]:
    resource = commands.resources.get_resource_by_external_id(
        organization_id, resource_type_slug, external_id
    )
    return _update(resource, body, commands, services, context, response)


@router.delete("/resources/{resource_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_resource(
    resource_id: str,
    commands: Commands,
    context: CommandContext,
    response: Response,
    cascade_delete: bool = False,
) -> Response:
    return _delete(
        commands.store.get_resource(resource_id), cascade_delete, commands, context, response
    )


@router.delete(
    "/organizations/{organization_id}/resources/{resource_type_slug}/{external_id}",
    status_code=status.HTTP_204_NO_CONTENT,
)
def delete_resource_by_external_id(
    organization_id: str,
    resource_type_slug: str,
    external_id: str,
    commands: Commands,
    context: CommandContext,
    response: Response,
    cascade_delete: bool = False,
) -> Response:
    resource = commands.resources.get_resource_by_external_id(
        organization_id, resource_type_slug, external_id
    )
    return _delete(resource, cascade_delete, commands, context, response)


# Reads -----------------------------------------------------------------------


@router.get("/resources", response_model=ListResponse[ResourcePublic])
def list_resources(
    reads: AccessReads,
    page: Pagination,
    organization_id: str | None = None,
    resource_type_slug: str | None = None,
    resource_external_id: str | None = None,
    parent_resource_id: str | None = None,
    parent_resource_type_slug: str | None = None,
    parent_external_id: str | None = None,
) -> dict[str, Any]:
    with reads.connection() as reader:
        if organization_id is None and resource_type_slug is None:
            raise ApiError(
                400,
                "missing_organization_id_or_resource_type_slug",
                "Filter by organization_id or resource_type_slug.",
            )
        if parent_resource_id is not None and (parent_resource_type_slug or parent_external_id):
            raise ApiError(
                422,
                "invalid_request_parameters",
                "Send parent_resource_id or the parent external-id pair, not both.",
                errors=[{"field": "parent_resource_id", "code": "mutually_exclusive"}],
            )
        if parent_resource_type_slug is not None or parent_external_id is not None:
            if (
                organization_id is None
                or parent_resource_type_slug is None
                or parent_external_id is None
            ):
                raise ApiError(
                    422,
                    "invalid_request_parameters",
                    "A parent by external id needs organization_id, parent_resource_type_slug and"
                    " parent_external_id.",
                    errors=[{"field": "parent_external_id", "code": "required"}],
                )
            parent = queries.resource_by_external_id(
                reader, organization_id, parent_resource_type_slug, parent_external_id
            )
            if parent is None:
                return list_response(Page([], None, None), render_resource)
            parent_resource_id = parent["id"]
        result = queries.resources(
            reader,
            page,
            organization_id=organization_id,
            resource_type_slug=resource_type_slug,
            external_id=resource_external_id,
            parent_resource_id=parent_resource_id,
        )
        return list_response(result, render_resource)


@router.get("/resources/{resource_id}", response_model=ResourcePublic)
def get_resource(resource_id: str, reads: AccessReads) -> dict[str, Any]:
    with reads.connection() as reader:
        return render_resource(_resource_row(reader, resource_id))


@router.get(
    "/organizations/{organization_id}/resources/{resource_type_slug}/{external_id}",
    response_model=ResourcePublic,
)
def get_resource_by_external_id(
    organization_id: str, resource_type_slug: str, external_id: str, reads: AccessReads
) -> dict[str, Any]:
    with reads.connection() as reader:
        return render_resource(
            _resource_row_by_external_id(reader, organization_id, resource_type_slug, external_id)
        )


def _memberships(
    access: Connection[DictRow],
    directory: Connection[DictRow],
    resource_id: str,
    permission_slug: str,
    assignment: str,
    page: Any,
) -> dict[str, Any]:
    found = queries.memberships_with_permission(
        access, resource_id, permission_slug, indirect=assignment == "indirect", page=page
    )
    rows = directory_queries.memberships_by_id(directory, [row["id"] for row in found.rows])
    return {
        "object": "list",
        "data": [
            membership_models.render(rows[row["id"]]) for row in found.rows if row["id"] in rows
        ],
        "list_metadata": {"before": found.before, "after": found.after},
    }


@router.get("/resources/{resource_id}/organization_memberships")
def list_memberships_for_resource(
    resource_id: str,
    access_reads: AccessReads,
    directory_reads: DirectoryReads,
    page: Pagination,
    permission_slug: Permission,
    assignment: Assignment = "direct",
) -> dict[str, Any]:
    with access_reads.connection() as access, directory_reads.connection() as directory:
        _resource_row(access, resource_id)
        return _memberships(access, directory, resource_id, permission_slug, assignment, page)


@router.get(
    "/organizations/{organization_id}/resources/{resource_type_slug}/{external_id}/organization_memberships"
)
def list_memberships_for_resource_by_external_id(
    organization_id: str,
    resource_type_slug: str,
    external_id: str,
    access_reads: AccessReads,
    directory_reads: DirectoryReads,
    page: Pagination,
    permission_slug: Permission,
    assignment: Assignment = "direct",
) -> dict[str, Any]:
    with access_reads.connection() as access, directory_reads.connection() as directory:
        row = _resource_row_by_external_id(access, organization_id, resource_type_slug, external_id)
        return _memberships(access, directory, row["id"], permission_slug, assignment, page)


@router.get(
    "/resources/{resource_id}/role_assignments", response_model=ListResponse[RoleAssignmentPublic]
)
def list_role_assignments_for_resource(
    resource_id: str, reads: AccessReads, page: Pagination, role_slug: str | None = None
) -> dict[str, Any]:
    with reads.connection() as reader:
        _resource_row(reader, resource_id)
        return list_response(
            queries.role_assignments(reader, page, resource_id=resource_id, role_slug=role_slug),
            render_assignment,
        )


@router.get(
    "/organizations/{organization_id}/resources/{resource_type_slug}/{external_id}/role_assignments",
    response_model=ListResponse[RoleAssignmentPublic],
)
def list_role_assignments_for_resource_by_external_id(
    organization_id: str,
    resource_type_slug: str,
    external_id: str,
    reads: AccessReads,
    page: Pagination,
    role_slug: str | None = None,
) -> dict[str, Any]:
    with reads.connection() as reader:
        row = _resource_row_by_external_id(reader, organization_id, resource_type_slug, external_id)
        return list_response(
            queries.role_assignments(reader, page, resource_id=row["id"], role_slug=role_slug),
            render_assignment,
        )
