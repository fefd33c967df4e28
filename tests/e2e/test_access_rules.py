"""Two rules of access through the WorkOS SDK: in single-role mode a membership holds one
organization role, the highest in the priority order among its own and its groups'; and a
permission is an action on one resource type, so it authorizes on resources of that type only.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pytest
from workos import WorkOSClient
from workos.authorization._resource import ParentResourceById, ResourceTargetById

from tests.e2e.support import (
    allowed,
    create_member,
    create_resource,
    create_resource_types,
    create_role,
)
from tests.servers import Server


@dataclass
class Acme:
    organization_id: str
    root: str
    workspace: str
    project: str
    app: str  # under the project
    workspace_app: str  # under the workspace


@pytest.fixture(scope="module")
def acme(server: Server, workos: WorkOSClient) -> Acme:
    """Apps hang under workspaces and under projects, so a workspace has children of both."""
    create_resource_types(
        server,
        {"workspace": ["organization"], "project": ["workspace"], "app": ["workspace", "project"]},
    )
    authz = workos.authorization
    for slug, type_slug in (
        ("org:billing", None),
        ("workspace:view", "workspace"),
        ("project:edit", "project"),
        ("app:deploy", "app"),
    ):
        authz.create_permission(slug=slug, name=slug, resource_type_slug=type_slug)
    create_role(workos, "billing-admin", "Billing admin", None, ["org:billing", "project:edit"])
    create_role(
        workos,
        "workspace-admin",
        "Workspace admin",
        "workspace",
        ["workspace:view", "project:edit", "app:deploy"],
    )
    org = workos.organizations.create_organization(name="Acme")
    resource = functools.partial(create_resource, workos, org.id)
    workspace = resource("ws-1", "workspace")
    project = resource("proj-1", "project", workspace)
    root = authz.get_resource_by_external_id(org.id, "organization", org.id).id
    return Acme(
        org.id,
        root,
        workspace,
        project,
        resource("app-1", "app", project),
        resource("app-0", "app", workspace),
    )


def organization_roles(workos: WorkOSClient, acme: Acme, membership: str) -> list[tuple[str, str]]:
    """The membership's roles at organization level, with their sources."""
    return sorted(
        (a.role.slug, a.source.type.value)
        for a in workos.authorization.list_role_assignments(membership).data
        if a.resource.id == acme.root
    )


def test_single_role_mode_keeps_the_highest_priority_organization_role(
    workos: WorkOSClient, acme: Acme, server: Server
) -> None:
    carol = create_member(workos, acme.organization_id, "carol@acme.test")  # the default role
    finance = workos.groups.create_organization_group(acme.organization_id, name="Finance")
    workos.groups.create_group_organization_membership(
        acme.organization_id, finance.id, organization_membership_id=carol
    )
    workos.authorization.create_group_role_assignment(finance.id, role_slug="billing-admin")

    def billing() -> bool:
        return allowed(workos, carol, "org:billing", acme.root)

    def effective() -> list[str]:
        permissions = workos.authorization.list_effective_permissions(carol, acme.project)
        return [p.slug for p in permissions.data]

    def with_access() -> set[str]:
        found = workos.authorization.list_memberships_for_resource(
            acme.project, permission_slug="project:edit", assignment="indirect"
        )
        return {m.id for m in found.data}

    # The default role `member` comes first in the environment's order: it outranks the group's.
    assert (billing(), effective(), carol in with_access()) == (False, [], False)
    assert organization_roles(workos, acme, carol) == [("member", "direct")]

    with server.client() as http:
        settings = http.get("/authorization/role_settings").json()
        above = ["billing-admin", *(s for s in settings["priority_order"] if s != "billing-admin")]
        assert http.patch("/authorization/role_settings", json={"priority_order": above}).is_success
        assert (billing(), effective(), carol in with_access()) == (True, ["project:edit"], True)
        assert organization_roles(workos, acme, carol) == [("billing-admin", "group")]

        # An organization's own order decides for its memberships.
        own = f"/authorization/organizations/{acme.organization_id}/role_settings"
        below = [*(s for s in above if s != "billing-admin"), "billing-admin"]
        assert http.patch(own, json={"priority_order": below}).is_success
        assert (billing(), organization_roles(workos, acme, carol)) == (
            False,
            [("member", "direct")],
        )

        # With multiple roles, a group role adds to the member's own.
        assert http.patch("/authorization/role_settings", json={"multiple_roles": True}).is_success
        assert billing()
        assert organization_roles(workos, acme, carol) == [
            ("billing-admin", "group"),
            ("member", "direct"),
        ]


def test_a_permission_authorizes_on_resources_of_its_type_only(
    workos: WorkOSClient, acme: Acme, server: Server
) -> None:
    authz = workos.authorization
    dana = create_member(workos, acme.organization_id, "dana@acme.test")
    authz.assign_role(
        dana,
        role_slug="workspace-admin",
        resource_target=ResourceTargetById(resource_id=acme.workspace),
    )

    # The workspace role holds permissions of the types below it, each on its own type.
    for permission, resource, expected in (
        ("workspace:view", acme.workspace, True),
        ("project:edit", acme.project, True),
        ("app:deploy", acme.app, True),
        ("project:edit", acme.app, False),
        ("project:edit", acme.workspace, False),
        ("app:deploy", acme.project, False),
        ("workspace:view", acme.project, False),
    ):
        assert allowed(workos, dana, permission, resource) == expected, (permission, resource)
    for resource, permissions in (
        (acme.workspace, ["workspace:view"]),
        (acme.project, ["project:edit"]),
        (acme.app, ["app:deploy"]),
    ):
        listed = authz.list_effective_permissions(dana, resource).data
        assert [p.slug for p in listed] == permissions

    # Discovery lists the workspace's children of the permission's type only.
    for permission, children in (
        ("project:edit", [acme.project]),
        ("app:deploy", [acme.workspace_app]),
    ):
        found = authz.list_resources_for_membership(
            dana,
            permission_slug=permission,
            parent_resource=ParentResourceById(parent_resource_id=acme.workspace),
        )
        assert [r.id for r in found.data] == children
    who = authz.list_memberships_for_resource(
        acme.app, permission_slug="project:edit", assignment="indirect"
    )
    assert dana not in {m.id for m in who.data}

    with server.client() as http:
        checks = [
            {"organization_membership_id": dana, "permission_slug": p, "resource_id": r}
            for p, r in (("app:deploy", acme.app), ("project:edit", acme.app))
        ]
        answer = http.post("/authorization/check/batch", json={"checks": checks})
        assert [a["authorized"] for a in answer.json()["data"]] == [True, False]
