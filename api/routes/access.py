"""WorkOS Authorization API, membership-centric: discovery, effective permissions and role
assignments of one organization membership (its checks are in ``api.checks``).

(No postponed annotations here: a route's annotation names a local of the function that
declares it, which FastAPI reads when the route is declared.)"""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from psycopg import Connection
from psycopg.rows import DictRow

from api.checks import RESOURCE_NOT_FOUND, membership_not_found
from api.deps import AccessReads, Command, Pagination
from api.errors import ApiError
from api.models.authorization import PermissionPublic
from api.models.common import ListResponse, listed
from api.models.resources import (
    ResourcePublic,
    ResourceTarget,
    RoleAssignmentPublic,
    RoleTarget,
    one_of,
)
from domain.errors import NotFound
from domain.resources import Resource
from projections.access import queries
from projections.pagination import Page, PageRequest

router = APIRouter(prefix="/authorization", tags=["authorization"])
MEMBERSHIP = "/organization_memberships/{organization_membership_id}"


def _organization_of(conn: Connection[DictRow], membership_id: str) -> str:
    organization_id = queries.organization_of_membership(conn, membership_id)
    if organization_id is None:
        raise membership_not_found(membership_id)
    return organization_id


def _target_id(
    conn: Connection[DictRow], organization_id: str, target: ResourceTarget
) -> str | None:
    """The resource a target names, by id or external-id pair; None when it does not exist."""
    if target.resource_id is not None:
        row = queries.resource(conn, target.resource_id)
    else:
        assert target.resource_type_slug is not None
        assert target.resource_external_id is not None
        row = queries.resource_by_external_id(
            conn, organization_id, target.resource_type_slug, target.resource_external_id
        )
    if row is None or row["organization_id"] != organization_id:
        return None
    return str(row["id"])


def _resource_in(conn: Connection[DictRow], organization_id: str, target: ResourceTarget) -> str:
    resource_id = _target_id(conn, organization_id, target)
    if resource_id is None:
        raise NotFound(RESOURCE_NOT_FOUND)
    return resource_id


# Discovery ---------------------------------------------------------------------


@router.get(MEMBERSHIP + "/resources")
def list_resources_for_membership(
    organization_membership_id: str,
    reads: AccessReads,
    page: Pagination,
    permission_slug: Annotated[str, Query(min_length=1, max_length=48)],
    parent_resource_id: str | None = None,
    parent_resource_type_slug: str | None = None,
    parent_resource_external_id: str | None = None,
) -> ListResponse[ResourcePublic]:
    """Children of the parent the membership can act on with the permission, including access
    inherited from ancestors and organization-level roles (WorkOS lists direct ones only)."""
    with reads.connection() as reader:
        organization_id = _organization_of(reader, organization_membership_id)
        try:
            target = ResourceTarget(
                resource_id=parent_resource_id,
                resource_type_slug=parent_resource_type_slug,
                resource_external_id=parent_resource_external_id,
            )
            parent_id = _resource_in(reader, organization_id, target)
        except ApiError as error:
            raise ApiError(
                400, "bad_request", "Name the parent by parent_resource_id or its external-id pair."
            ) from error
        found = queries.accessible_children(
            reader, organization_membership_id, permission_slug, parent_id, page
        )
    return listed(found, ResourcePublic.from_row)


async def _by_id(resource_id: str) -> ResourceTarget:
    return ResourceTarget(resource_id=resource_id)


async def _by_external_id(resource_type_slug: str, external_id: str) -> ResourceTarget:
    return ResourceTarget(resource_type_slug=resource_type_slug, resource_external_id=external_id)


def _serve_effective_permissions(
    path: str, locate: Callable[..., Awaitable[ResourceTarget]], name: str
) -> None:
    """The effective permissions on a resource, at ``path``, which names the resource as
    ``locate`` reads it."""

    @router.get(MEMBERSHIP + path + "/permissions", name=name)
    def list_effective_permissions(
        organization_membership_id: str,
        target: Annotated[ResourceTarget, Depends(locate)],
        reads: AccessReads,
        page: Pagination,
    ) -> ListResponse[PermissionPublic]:
        """Every permission the membership has on the resource: through its roles there, on the
        resource's ancestors, and through its groups."""
        with reads.connection() as reader:
            organization_id = _organization_of(reader, organization_membership_id)
            resource_id = _resource_in(reader, organization_id, target)
            found = queries.effective_permissions(
                reader, organization_membership_id, resource_id, page
            )
        return listed(found, PermissionPublic.from_row)


_serve_effective_permissions("/resources/{resource_id}", _by_id, "list_effective_permissions")
_serve_effective_permissions(
    "/resources/{resource_type_slug}/{external_id}",
    _by_external_id,
    "list_effective_permissions_by_external_id",
)


# Role assignments --------------------------------------------------------------


@router.get(MEMBERSHIP + "/role_assignments")
def list_role_assignments(
    organization_membership_id: str,
    reads: AccessReads,
    page: Pagination,
    resource_id: str | None = None,
    resource_external_id: str | None = None,
    resource_type_slug: str | None = None,
) -> ListResponse[RoleAssignmentPublic]:
    """The membership's role assignments, optionally only those on one resource (by id, or by
    external id with its type's slug)."""
    with reads.connection() as reader:
        organization_id = _organization_of(reader, organization_membership_id)
        if resource_external_id is not None:
            target = ResourceTarget(
                resource_external_id=resource_external_id, resource_type_slug=resource_type_slug
            )
            resource_id = _target_id(reader, organization_id, target)
            if resource_id is None:
                return listed(Page([], None, None), RoleAssignmentPublic.from_row)
            resource_type_slug = None
        found = queries.role_assignments(
            reader,
            page,
            membership_id=organization_membership_id,
            resource_id=resource_id,
            resource_type_slug=resource_type_slug,
        )
    return listed(found, RoleAssignmentPublic.from_row)


def _resource_for_command(do: Command, membership_id: str, target: ResourceTarget) -> Resource:
    one_of(target, "resource_id", "resource_external_id", "resource_type_slug")
    membership = do.commands.store.get_membership(membership_id)
    return do.commands.resources.find_resource(
        membership.organization_id,
        target.resource_id,
        target.resource_external_id,
        target.resource_type_slug,
    )


def _assignment(conn: Connection[DictRow], assignment_id: str) -> RoleAssignmentPublic:
    """The assignment a command made, by its id: the membership may hold the same role on the
    same resource through a group too, a holding of its own."""
    found = queries.role_assignments(conn, PageRequest(limit=1), assignment_id=assignment_id)
    return RoleAssignmentPublic.from_row(found.rows[0])


@router.post(MEMBERSHIP + "/role_assignments", status_code=status.HTTP_201_CREATED)
def assign_role(
    organization_membership_id: str, body: RoleTarget, do: Command
) -> RoleAssignmentPublic:
    """Assign a role to the membership on a resource (by id, or by external id with its type's
    slug; never both)."""
    resource = _resource_for_command(do, organization_membership_id, body)
    result = do.commands.resources.assign_role(
        do.context, organization_membership_id, role_slug=body.role_slug, resource=resource
    )
    return do.read(result, "access", _assignment, result.value.id)


@router.delete(MEMBERSHIP + "/role_assignments", status_code=status.HTTP_204_NO_CONTENT)
def remove_role(organization_membership_id: str, body: RoleTarget, do: Command) -> Response:
    """Remove the membership's assignment of a role on a resource (by id, or by external id with
    its type's slug; never both)."""
    resource = _resource_for_command(do, organization_membership_id, body)
    result = do.commands.resources.remove_role(
        do.context, organization_membership_id, role_slug=body.role_slug, resource=resource
    )
    return do.status(result, status.HTTP_204_NO_CONTENT)


@router.delete(
    MEMBERSHIP + "/role_assignments/{role_assignment_id}", status_code=status.HTTP_204_NO_CONTENT
)
def remove_role_assignment(
    organization_membership_id: str, role_assignment_id: str, do: Command
) -> Response:
    """Remove one of the membership's role assignments, by its id."""
    result = do.commands.resources.remove_role_assignment(
        do.context, organization_membership_id, role_assignment_id
    )
    return do.status(result, status.HTTP_204_NO_CONTENT)
