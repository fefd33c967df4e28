"""Resource types, /authorization/resource_types: an idgov extension (WorkOS has no API for them).

``organization`` is the implicit root type and is not listed.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from psycopg import Connection
from psycopg.rows import DictRow

from api.deps import AccessReads, Command
from api.models.authorization import ResourceTypeCreate, ResourceTypePublic, ResourceTypeUpdate
from api.models.common import ListResponse, listed
from domain.errors import NotFound
from projections.access import queries
from projections.pagination import Page

router = APIRouter(prefix="/authorization/resource_types", tags=["authorization"])


def _resource_type(conn: Connection[DictRow], slug: str) -> ResourceTypePublic:
    row = queries.resource_type(conn, slug)
    if row is None:
        raise NotFound(f"Resource type not found: '{slug}'.")
    return ResourceTypePublic.from_row(row)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_resource_type(body: ResourceTypeCreate, do: Command) -> ResourceTypePublic:
    """Create a resource type: the kind of thing resources are (a workspace, a project), and
    which types it may sit under."""
    result = do.commands.schema.create_resource_type(do.context, **body.model_dump())
    return do.read(result, "access", _resource_type, result.value)


@router.get("")
def list_resource_types(reads: AccessReads) -> ListResponse[ResourceTypePublic]:
    """Every type in one page: an environment holds at most 50."""
    with reads.connection() as reader:
        every = Page(queries.resource_types(reader), None, None)
    return listed(every, ResourceTypePublic.from_row)


@router.get("/{slug}")
def get_resource_type(slug: str, reads: AccessReads) -> ResourceTypePublic:
    """The resource type with this slug."""
    with reads.connection() as reader:
        return _resource_type(reader, slug)


@router.patch("/{slug}")
def update_resource_type(slug: str, body: ResourceTypeUpdate, do: Command) -> ResourceTypePublic:
    """Change the fields sent of the resource type; a field left out stays as it is."""
    changes = body.model_dump(exclude_unset=True)
    result = do.commands.schema.update_resource_type(do.context, slug, **changes)
    return do.read(result, "access", _resource_type, result.value)


@router.delete("/{slug}", status_code=status.HTTP_204_NO_CONTENT)
def delete_resource_type(slug: str, do: Command) -> Response:
    """Delete the resource type: refused while it has child types, or permissions or roles
    are scoped to it (409)."""
    result = do.commands.schema.delete_resource_type(do.context, slug)
    return do.status(result, status.HTTP_204_NO_CONTENT)
