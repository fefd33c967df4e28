"""WorkOS Authorization API: resources, by id and by (organization, type, external id).

Each route on one resource is served at both of its paths by one implementation: a ``Located``
dependency stands for the resource as the path names it. (No postponed annotations here: the
routes' annotations name ``_serve``'s locals, which FastAPI reads when they are declared.)"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response, status
from psycopg import Connection
from psycopg.rows import DictRow

from api.deps import AccessReads, Command, DirectoryReads, Pagination
from api.errors import ApiError, invalid_parameters
from api.models.common import ListResponse, listed
from api.models.memberships import MembershipPublic
from api.models.resources import (
    ResourceCreate,
    ResourcePublic,
    ResourceUpdate,
    RoleAssignmentPublic,
)
from api.routes.memberships import memberships_by_id
from domain.application import IdentityApplication
from domain.errors import NotFound
from domain.resources import Resource
from projections.access import queries
from projections.pagination import Page, PageRequest

router = APIRouter(prefix="/authorization", tags=["authorization"])

Permission = Annotated[str, Query(min_length=1, max_length=48)]
Assignment = Annotated[Literal["direct", "indirect"], Query()]


@dataclass(frozen=True)
class Located:
    """A resource as a path names it: by id, or by organization, type and external id."""

    resource_id: str | None = None
    organization_id: str = ""
    resource_type_slug: str = ""
    external_id: str = ""

    def row(self, conn: Connection[DictRow]) -> dict[str, Any]:
        """Its row in the access model; 404 when there is none."""
        if self.resource_id is not None:
            row = queries.resource(conn, self.resource_id)
            missing = f"Resource not found: '{self.resource_id}'."
        else:
            row = queries.resource_by_external_id(
                conn, self.organization_id, self.resource_type_slug, self.external_id
            )
            missing = (
                f"Resource not found: '{self.external_id}' of type '{self.resource_type_slug}'."
            )
        if row is None:
            raise NotFound(missing)
        return row

    def aggregate(self, commands: IdentityApplication) -> Resource:
        if self.resource_id is not None:
            return commands.store.get_resource(self.resource_id)
        return commands.resources.get_resource_by_external_id(
            self.organization_id, self.resource_type_slug, self.external_id
        )


async def by_id(resource_id: str) -> Located:
    return Located(resource_id)


async def by_external_id(
    organization_id: str, resource_type_slug: str, external_id: str
) -> Located:
    return Located(None, organization_id, resource_type_slug, external_id)


BY_ID = "/resources/{resource_id}"
BY_EXTERNAL_ID = "/organizations/{organization_id}/resources/{resource_type_slug}/{external_id}"


def _resource(conn: Connection[DictRow], resource_id: str) -> ResourcePublic:
    return ResourcePublic.from_row(Located(resource_id).row(conn))


@router.post("/resources", status_code=status.HTTP_201_CREATED)
def create_resource(body: ResourceCreate, do: Command) -> ResourcePublic:
    """Create a resource of a type in an organization, optionally under a parent (by id, or by
    external id with its type's slug; never both)."""
    result = do.commands.resources.create_resource(do.context, **body.model_dump())
    return do.read(result, "access", _resource, result.value.id)


@router.get("/resources")
def list_resources(
    reads: AccessReads,
    page: Pagination,
    organization_id: str | None = None,
    resource_type_slug: str | None = None,
    resource_external_id: str | None = None,
    parent_resource_id: str | None = None,
    parent_resource_type_slug: str | None = None,
    parent_external_id: str | None = None,
) -> ListResponse[ResourcePublic]:
    """Resources, newest first, optionally only one organization's, one type's, or those
    under one parent."""
    with reads.connection() as reader:
        if organization_id is None and resource_type_slug is None:
            raise ApiError(
                400,
                "missing_organization_id_or_resource_type_slug",
                "Filter by organization_id or resource_type_slug.",
            )
        if parent_resource_id is not None and (parent_resource_type_slug or parent_external_id):
            message = "Send parent_resource_id or the parent external-id pair, not both."
            raise invalid_parameters(message, "mutually_exclusive", "parent_resource_id")
        if parent_resource_type_slug is not None or parent_external_id is not None:
            if (
                organization_id is None
                or parent_resource_type_slug is None
                or parent_external_id is None
            ):
                raise invalid_parameters(
                    "A parent by external id needs organization_id, parent_resource_type_slug and"
                    " parent_external_id.",
                    "required",
                    "parent_external_id",
                )
            parent = queries.resource_by_external_id(
                reader, organization_id, parent_resource_type_slug, parent_external_id
            )
            if parent is None:
                return listed(Page([], None, None), ResourcePublic.from_row)
            parent_resource_id = parent["id"]
        result = queries.resources(
            reader,
            page,
            organization_id=organization_id,
            resource_type_slug=resource_type_slug,
            external_id=resource_external_id,
            parent_resource_id=parent_resource_id,
        )
    return listed(result, ResourcePublic.from_row)


def _memberships(
    access: Connection[DictRow],
    directory: Connection[DictRow],
    resource_id: str,
    permission_slug: str,
    assignment: str,
    page: PageRequest,
) -> ListResponse[MembershipPublic]:
    found = queries.memberships_with_permission(
        access, resource_id, permission_slug, indirect=assignment == "indirect", page=page
    )
    return memberships_by_id(directory, found, "id")


def _serve(path: str, locate: Callable[..., Awaitable[Located]], suffix: str) -> None:
    """The routes on one resource at ``path``, which names it as ``locate`` reads it; route
    names end with ``suffix``."""
    Target = Annotated[Located, Depends(locate)]

    @router.get(path, name="get_resource" + suffix)
    def get_resource(target: Target, reads: AccessReads) -> ResourcePublic:
        """The resource the path names."""
        with reads.connection() as reader:
            return ResourcePublic.from_row(target.row(reader))

    @router.patch(path, name="update_resource" + suffix)
    def update_resource(target: Target, body: ResourceUpdate, do: Command) -> ResourcePublic:
        """Change the resource's name, description or parent (by id, or by external id with its
        type's slug; never both)."""
        resource = target.aggregate(do.commands)
        result = do.commands.resources.update_resource(
            do.context,
            resource,
            name=body.name,
            description=body.description,
            describe="description" in body.model_fields_set,
            parent_resource_id=body.parent_resource_id,
            parent_resource_external_id=body.parent_resource_external_id,
            parent_resource_type_slug=body.parent_resource_type_slug,
        )
        return do.read(result, "access", _resource, resource.id)

    @router.delete(path, status_code=status.HTTP_204_NO_CONTENT, name="delete_resource" + suffix)
    def delete_resource(target: Target, do: Command, cascade_delete: bool = False) -> Response:
        """Delete the resource; with `cascade_delete`, its descendants and role assignments too,
        and without it a resource that has any is not deleted (409)."""
        resource = target.aggregate(do.commands)
        result = do.commands.resources.delete_resource(do.context, resource, cascade=cascade_delete)
        return do.status(result, status.HTTP_204_NO_CONTENT)

    @router.get(path + "/organization_memberships", name="list_memberships_for_resource" + suffix)
    def list_memberships_for_resource(
        target: Target,
        access_reads: AccessReads,
        directory_reads: DirectoryReads,
        page: Pagination,
        permission_slug: Permission,
        assignment: Assignment = "direct",
    ) -> ListResponse[MembershipPublic]:
        """The memberships that have a permission on the resource: assigned on it (`direct`),
        or also through its ancestors and groups (`indirect`)."""
        with access_reads.connection() as access, directory_reads.connection() as directory:
            resource_id = target.row(access)["id"]
            return _memberships(access, directory, resource_id, permission_slug, assignment, page)

    @router.get(path + "/role_assignments", name="list_role_assignments_for_resource" + suffix)
    def list_role_assignments_for_resource(
        target: Target, reads: AccessReads, page: Pagination, role_slug: str | None = None
    ) -> ListResponse[RoleAssignmentPublic]:
        """The role assignments on the resource, optionally of one role only."""
        with reads.connection() as reader:
            resource_id = target.row(reader)["id"]
            found = queries.role_assignments(
                reader, page, resource_id=resource_id, role_slug=role_slug
            )
        return listed(found, RoleAssignmentPublic.from_row)


_serve(BY_ID, by_id, "")
_serve(BY_EXTERNAL_ID, by_external_id, "_by_external_id")
