"""What the end-to-end tests share: the SDK client, unique names, the check that a refused
request changed nothing, and the building blocks of the WorkOS docs' Acme example."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec

from workos import WorkOSClient
from workos.authorization._resource import ParentResourceById, ResourceTargetById

from tests.servers import Server

P = ParamSpec("P")


def workos_client(server: Server) -> WorkOSClient:
    return WorkOSClient(
        api_key=server.api_key,
        client_id="client_idgov_tests",
        base_url=server.base_url,
        max_retries=0,
    )


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


@contextmanager
def nothing_changes(read: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> Iterator[None]:
    """The block leaves what ``read(*args, **kwargs)`` sees as it was."""
    before = read(*args, **kwargs)
    yield
    assert read(*args, **kwargs) == before


# ------------------------------------------------------------------ Acme --


def create_resource_types(server: Server, parents: dict[str, list[str]]) -> None:
    """Resource types by slug, each with the slugs of its parent types."""
    with server.client() as http:
        for slug, parent_slugs in parents.items():
            body = {"slug": slug, "name": slug.title(), "parent_type_slugs": parent_slugs}
            assert http.post("/authorization/resource_types", json=body).status_code == 201


def create_permissions(workos: WorkOSClient) -> None:
    """Deploying an app, viewing a project, and billing for the organization."""
    authz = workos.authorization
    authz.create_permission(slug="app:deploy", name="Deploy", resource_type_slug="app")
    authz.create_permission(slug="project:view", name="View", resource_type_slug="project")
    authz.create_permission(slug="org:billing", name="Billing")


def create_role(
    workos: WorkOSClient,
    slug: str,
    name: str,
    resource_type_slug: str | None,
    permissions: list[str],
) -> None:
    workos.authorization.create_environment_role(
        slug=slug, name=name, resource_type_slug=resource_type_slug
    )
    workos.authorization.set_environment_role_permissions(slug, permissions=permissions)


def create_resource(
    workos: WorkOSClient,
    organization_id: str,
    external_id: str,
    type_slug: str,
    parent: str | None = None,
) -> str:
    """A resource named after its external id; returns its id."""
    return workos.authorization.create_resource(
        external_id=external_id,
        name=external_id,
        resource_type_slug=type_slug,
        organization_id=organization_id,
        parent_resource=ParentResourceById(parent_resource_id=parent) if parent else None,
    ).id


def create_member(workos: WorkOSClient, organization_id: str, email: str) -> str:
    """A new user with ``email``, made a member of the organization; returns the membership id."""
    user = workos.user_management.create_user(email=email)
    return workos.organization_membership.create_organization_membership(
        user_id=user.id, organization_id=organization_id
    ).id


def allowed(workos: WorkOSClient, membership: str, permission: str, resource_id: str) -> bool:
    return workos.authorization.check(
        membership,
        permission_slug=permission,
        resource_target=ResourceTargetById(resource_id=resource_id),
    ).authorized
