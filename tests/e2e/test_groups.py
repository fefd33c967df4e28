"""Groups, their members and their role assignments through the official WorkOS SDK against a
running idgov: every Groups endpoint and every group-role-assignment endpoint the SDK offers,
the access members derive from their groups, and the cascades.

The example is the WorkOS docs' own: a group "Platform" holding workspace-admin on a
workspace lets its members deploy every app in that workspace; leaving the group takes that
away, unless the member also holds the role directly.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pytest
from workos import WorkOSClient
from workos._errors import ConflictError, NotFoundError
from workos.authorization._resource import ParentResourceById, ResourceTargetById
from workos.authorization.models import ReplaceGroupRoleAssignmentEntry

from tests.e2e.paging import assert_pages_cover
from tests.e2e.support import (
    allowed,
    create_member,
    create_permissions,
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
    other_workspace: str
    project: str
    app: str
    other_app: str
    alice: str
    bob: str
    carol: str


@pytest.fixture(scope="module")
def acme(server: Server, workos: WorkOSClient) -> Acme:
    create_resource_types(
        server, {"workspace": ["organization"], "project": ["workspace"], "app": ["project"]}
    )
    create_permissions(workos)
    for slug, type_slug, permissions in (
        ("workspace-admin", "workspace", ["app:deploy", "project:view"]),
        ("project-viewer", "project", ["project:view"]),
        ("billing-admin", None, ["org:billing"]),
    ):
        create_role(workos, slug, slug, type_slug, permissions)

    org = workos.organizations.create_organization(name="Acme")
    resource = functools.partial(create_resource, workos, org.id)
    member = functools.partial(create_member, workos, org.id)
    workspace, other_workspace = resource("ws-1", "workspace"), resource("ws-2", "workspace")
    project = resource("proj-1", "project", workspace)
    other_project = resource("proj-2", "project", other_workspace)

    root = workos.authorization.get_resource_by_external_id(org.id, "organization", org.id).id
    return Acme(
        org.id,
        root,
        workspace,
        other_workspace,
        project,
        resource("app-1", "app", project),
        resource("app-2", "app", other_project),
        member("alice@acme.test"),
        member("bob@acme.test"),
        member("carol@acme.test"),
    )


# ----------------------------------------------------------------------- groups --


def test_groups_are_created_read_listed_updated_and_deleted(
    workos: WorkOSClient, acme: Acme
) -> None:
    groups = workos.groups
    created = groups.create_organization_group(
        acme.organization_id, name="Design", description="Product design"
    )
    assert created.id.startswith("group_")
    assert (created.object, created.organization_id, created.name, created.description) == (
        "group",
        acme.organization_id,
        "Design",
        "Product design",
    )
    assert groups.get_organization_group(acme.organization_id, created.id) == created

    renamed = groups.update_organization_group(acme.organization_id, created.id, name="Design ops")
    assert (renamed.name, renamed.description) == ("Design ops", "Product design")
    assert renamed.updated_at > created.updated_at
    cleared = groups.update_organization_group(acme.organization_id, created.id, description=None)
    assert (cleared.name, cleared.description) == ("Design ops", None)
    assert groups.get_organization_group(acme.organization_id, created.id) == cleared

    more = [
        groups.create_organization_group(acme.organization_id, name=f"Team {i}").id
        for i in range(4)
    ]
    listed = {g.id for g in groups.list_organization_groups(acme.organization_id, limit=100).data}
    assert {created.id, *more} <= listed
    found = groups.list_organization_groups(acme.organization_id, search="ign o").data
    assert [g.id for g in found] == [created.id]
    assert [
        g.id for g in groups.list_organization_groups(acme.organization_id, search=more[2])
    ] == [more[2]]

    groups.delete_organization_group(acme.organization_id, created.id)
    with pytest.raises(NotFoundError):
        groups.get_organization_group(acme.organization_id, created.id)
    for group_id in more:
        groups.delete_organization_group(acme.organization_id, group_id)


def test_group_lists_page_completely_in_every_order(workos: WorkOSClient, server: Server) -> None:
    org = workos.organizations.create_organization(name="Paged")
    ids = {workos.groups.create_organization_group(org.id, name=f"G{i}").id for i in range(7)}
    assert_pages_cover(functools.partial(workos.groups.list_organization_groups, org.id), ids)


# ---------------------------------------------------------------------- members --


def test_members_are_added_listed_changed_and_removed(
    workos: WorkOSClient, acme: Acme, server: Server
) -> None:
    groups, org = workos.groups, acme.organization_id
    group = groups.create_organization_group(org, name="Support")
    answered = groups.create_group_organization_membership(
        org, group.id, organization_membership_id=acme.alice
    )
    assert answered.id == group.id
    assert answered.object == "group"
    with server.client() as http:
        position = http.get("/health").json()["event_store"]["position"]
        again = http.post(
            f"/organizations/{org}/groups/{group.id}/organization-memberships",
            json={"organization_membership_id": acme.alice},
        )
        assert again.status_code == 200
        assert again.json()["id"] == group.id
        assert http.get("/health").json()["event_store"]["position"] == position  # no event

    groups.create_group_organization_membership(org, group.id, organization_membership_id=acme.bob)
    members = groups.list_group_organization_memberships(org, group.id, order="asc")
    assert [m.id for m in members.data] == sorted([acme.alice, acme.bob])
    assert {m.user.email for m in members.data} == {"alice@acme.test", "bob@acme.test"}
    assert all(m.organization_id == org for m in members.data)
    assert [
        g.id
        for g in workos.organization_membership.list_organization_membership_groups(acme.alice).data
    ] == [group.id]

    groups.update_group_organization_memberships(
        org, group.id, add=[acme.carol, acme.alice], remove=[acme.bob]
    )
    members = groups.list_group_organization_memberships(org, group.id, order="asc")
    assert [m.id for m in members.data] == sorted([acme.alice, acme.carol])

    groups.delete_group_organization_membership(org, group.id, acme.carol)
    with pytest.raises(NotFoundError):
        groups.delete_group_organization_membership(org, group.id, acme.carol)
    assert [m.id for m in groups.list_group_organization_memberships(org, group.id).data] == [
        acme.alice
    ]
    assert workos.organization_membership.list_organization_membership_groups(acme.carol).data == []
    groups.delete_organization_group(org, group.id)
    assert workos.organization_membership.list_organization_membership_groups(acme.alice).data == []


def test_member_and_membership_group_lists_page_completely(
    workos: WorkOSClient, acme: Acme
) -> None:
    org = acme.organization_id
    big = workos.groups.create_organization_group(org, name="Everyone")
    people = set()
    for i in range(7):
        user = workos.user_management.create_user(email=f"crowd-{i}@acme.test")
        membership = workos.organization_membership.create_organization_membership(
            user_id=user.id, organization_id=org
        ).id
        workos.groups.create_group_organization_membership(
            org, big.id, organization_membership_id=membership
        )
        people.add(membership)
    assert_pages_cover(
        functools.partial(workos.groups.list_group_organization_memberships, org, big.id), people
    )
    some = sorted(people)[0]
    joined = {big.id}
    for i in range(6):
        group = workos.groups.create_organization_group(org, name=f"Guild {i}")
        workos.groups.create_group_organization_membership(
            org, group.id, organization_membership_id=some
        )
        joined.add(group.id)
    assert_pages_cover(
        functools.partial(workos.organization_membership.list_organization_membership_groups, some),
        joined,
    )


# ------------------------------------------------------------- role assignments --


def test_group_role_assignments_through_every_sdk_method(workos: WorkOSClient, acme: Acme) -> None:
    authz, org = workos.authorization, acme.organization_id
    group = workos.groups.create_organization_group(org, name="Ops")

    org_level = authz.create_group_role_assignment(group.id, role_slug="billing-admin")
    assert org_level.id.startswith("gra_")
    assert (org_level.object, org_level.group_id, org_level.role.slug) == (
        "group_role_assignment",
        group.id,
        "billing-admin",
    )
    assert (
        org_level.resource.id,
        org_level.resource.external_id,
        org_level.resource.resource_type_slug,
    ) == (acme.root, org, "organization")
    by_id = authz.create_group_role_assignment(
        group.id, role_slug="workspace-admin", resource_id=acme.workspace
    )
    assert (by_id.resource.id, by_id.resource.external_id) == (acme.workspace, "ws-1")
    by_external = authz.create_group_role_assignment(
        group.id,
        role_slug="project-viewer",
        resource_external_id="proj-1",
        resource_type_slug="project",
    )
    assert by_external.resource.id == acme.project
    with pytest.raises(ConflictError) as duplicate:
        authz.create_group_role_assignment(group.id, role_slug="billing-admin")
    assert duplicate.value.code == "duplicate_group_role_assignment"

    assert authz.get_group_role_assignment(group.id, by_id.id) == by_id
    listed = authz.list_group_role_assignments(group.id, order="asc")
    assert [a.id for a in listed.data] == sorted([org_level.id, by_id.id, by_external.id])
    assert_pages_cover(
        functools.partial(authz.list_group_role_assignments, group.id),
        {org_level.id, by_id.id, by_external.id},
        limit=2,
    )

    replaced = authz.update_group_role_assignments(
        group.id,
        role_assignments=[
            ReplaceGroupRoleAssignmentEntry(
                role_slug="workspace-admin", resource_id=acme.workspace
            ),
            ReplaceGroupRoleAssignmentEntry(
                role_slug="workspace-admin", resource_id=acme.other_workspace
            ),
        ],
    )
    assert replaced.object == "list"
    assert by_id.id in {a.id for a in replaced.data}  # kept, not re-created
    assert {(a.role.slug, a.resource.id) for a in replaced.data} == {
        ("workspace-admin", acme.workspace),
        ("workspace-admin", acme.other_workspace),
    }
    assert replaced.list_metadata.after is None

    authz.patch_group_role_assignments(
        group.id,
        add=[
            ReplaceGroupRoleAssignmentEntry(role_slug="billing-admin"),
            ReplaceGroupRoleAssignmentEntry(
                role_slug="workspace-admin", resource_id=acme.workspace
            ),
        ],
        remove=[
            ReplaceGroupRoleAssignmentEntry(
                role_slug="workspace-admin",
                resource_external_id="ws-2",
                resource_type_slug="workspace",
            ),
            ReplaceGroupRoleAssignmentEntry(role_slug="project-viewer", resource_id=acme.project),
        ],
    )
    held = authz.list_group_role_assignments(group.id).data
    assert {(a.role.slug, a.resource.id) for a in held} == {
        ("billing-admin", acme.root),
        ("workspace-admin", acme.workspace),
    }

    authz.delete_group_role_assignments(group.id, role_slug="billing-admin")
    with pytest.raises(NotFoundError):
        authz.delete_group_role_assignments(group.id, role_slug="billing-admin")
    authz.delete_group_role_assignment(group.id, by_id.id)
    with pytest.raises(NotFoundError):
        authz.get_group_role_assignment(group.id, by_id.id)
    assert authz.list_group_role_assignments(group.id).data == []
    workos.groups.delete_organization_group(org, group.id)
    with pytest.raises(NotFoundError):
        authz.list_group_role_assignments(group.id)


# --------------------------------------------------------------- derived access --


def test_a_platform_group_lets_its_members_deploy_every_app_in_its_workspace(
    workos: WorkOSClient, acme: Acme
) -> None:
    authz, org = workos.authorization, acme.organization_id
    platform = workos.groups.create_organization_group(org, name="Platform")
    grant = authz.create_group_role_assignment(
        platform.id, role_slug="workspace-admin", resource_id=acme.workspace
    )
    assert not allowed(workos, acme.bob, "app:deploy", acme.app)
    workos.groups.create_group_organization_membership(
        org, platform.id, organization_membership_id=acme.bob
    )
    assert allowed(workos, acme.bob, "app:deploy", acme.app)
    assert allowed(workos, acme.bob, "project:view", acme.project)
    assert not allowed(workos, acme.bob, "app:deploy", acme.other_app)

    # Every read that answers "who can do what" sees it.
    effective = authz.list_effective_permissions(acme.bob, acme.app)
    assert [p.slug for p in effective.data] == ["app:deploy"]  # the app's type's only
    visible = authz.list_resources_for_membership(
        acme.bob,
        permission_slug="project:view",
        parent_resource=ParentResourceById(parent_resource_id=acme.workspace),
    )
    assert [r.id for r in visible.data] == [acme.project]
    indirect = authz.list_memberships_for_resource(
        acme.app, permission_slug="app:deploy", assignment="indirect"
    )
    assert acme.bob in {m.id for m in indirect.data}
    # A group's role is not the member's own: "direct" lists only explicit assignments.
    direct = authz.list_memberships_for_resource(acme.workspace, permission_slug="app:deploy")
    assert acme.bob not in {m.id for m in direct.data}
    mine = authz.list_role_assignments(acme.bob)
    derived = [a for a in mine.data if a.source.type.value == "group"]
    assert len(derived) == 1
    assert (derived[0].role.slug, derived[0].resource.id) == ("workspace-admin", acme.workspace)
    assert derived[0].source.group_role_assignment_id == grant.id
    assert derived[0].source.group is not None
    assert (derived[0].source.group.id, derived[0].source.group.name) == (platform.id, "Platform")
    assert derived[0].organization_membership_id == acme.bob
    on_workspace = authz.list_role_assignments_for_resource(acme.workspace)
    assert derived[0].id in {a.id for a in on_workspace.data}

    # Leaving the group takes the access away ...
    workos.groups.delete_group_organization_membership(org, platform.id, acme.bob)
    assert not allowed(workos, acme.bob, "app:deploy", acme.app)
    assert all(a.source.type.value == "direct" for a in authz.list_role_assignments(acme.bob).data)

    # ... unless the member holds the same role directly: one source never removes another.
    authz.assign_role(
        acme.bob,
        role_slug="workspace-admin",
        resource_target=ResourceTargetById(resource_id=acme.workspace),
    )
    workos.groups.create_group_organization_membership(
        org, platform.id, organization_membership_id=acme.bob
    )
    sources = {a.source.type.value for a in authz.list_role_assignments(acme.bob).data}
    assert sources == {"direct", "group"}
    workos.groups.delete_group_organization_membership(org, platform.id, acme.bob)
    assert allowed(workos, acme.bob, "app:deploy", acme.app)
    workos.groups.create_group_organization_membership(
        org, platform.id, organization_membership_id=acme.bob
    )
    authz.remove_role(
        acme.bob,
        role_slug="workspace-admin",
        resource_target=ResourceTargetById(resource_id=acme.workspace),
    )
    assert allowed(workos, acme.bob, "app:deploy", acme.app)  # still through the group

    # Assigned while the group grants it too, the answer is the direct assignment made, and
    # removing it by that id leaves the group's.
    made = authz.assign_role(
        acme.bob,
        role_slug="workspace-admin",
        resource_target=ResourceTargetById(resource_id=acme.workspace),
    )
    assert made.source.type.value == "direct"
    direct_ids = {
        a.id for a in authz.list_role_assignments(acme.bob).data if a.source.type.value == "direct"
    }
    assert made.id in direct_ids
    authz.remove_role_assignment(acme.bob, made.id)
    held = [
        (a.source.type.value, a.role.slug)
        for a in authz.list_role_assignments(acme.bob).data
        if a.resource.id == acme.workspace
    ]
    assert held == [("group", "workspace-admin")]
    workos.groups.delete_organization_group(org, platform.id)
    assert not allowed(workos, acme.bob, "app:deploy", acme.app)


def test_an_organization_level_group_role_counts_once_it_outranks_the_members_own(
    workos: WorkOSClient, acme: Acme, server: Server
) -> None:
    authz, org = workos.authorization, acme.organization_id
    finance = workos.groups.create_organization_group(org, name="Finance")
    workos.groups.create_group_organization_membership(
        org, finance.id, organization_membership_id=acme.carol
    )
    assert not allowed(workos, acme.carol, "org:billing", acme.root)
    authz.create_group_role_assignment(finance.id, role_slug="billing-admin")
    # Single-role mode: Carol's own role, the default `member`, comes first in the order.
    assert not allowed(workos, acme.carol, "org:billing", acme.root)
    with server.client() as http:
        order = http.get("/authorization/role_settings").json()["priority_order"]
        first = ["billing-admin", *(slug for slug in order if slug != "billing-admin")]
        assert http.patch("/authorization/role_settings", json={"priority_order": first}).is_success
    assert allowed(workos, acme.carol, "org:billing", acme.root)
    with server.client() as http:
        checks = [
            {
                "organization_membership_id": acme.carol,
                "permission_slug": "org:billing",
                "resource_id": acme.root,
            },
            {
                "organization_membership_id": acme.carol,
                "permission_slug": "app:deploy",
                "resource_id": acme.app,
            },
        ]
        answer = http.post("/authorization/check/batch", json={"checks": checks})
        assert [a["authorized"] for a in answer.json()["data"]] == [True, False]
    org_roles = [
        a for a in authz.list_role_assignments(acme.carol).data if a.source.type.value == "group"
    ]
    assert [(a.role.slug, a.resource.resource_type_slug) for a in org_roles] == [
        ("billing-admin", "organization")
    ]
    workos.organization_membership.deactivate_organization_membership(acme.carol)
    assert not allowed(workos, acme.carol, "org:billing", acme.root)  # only active memberships
    workos.organization_membership.reactivate_organization_membership(acme.carol)
    assert allowed(workos, acme.carol, "org:billing", acme.root)
    workos.groups.delete_organization_group(org, finance.id)
    assert not allowed(workos, acme.carol, "org:billing", acme.root)


# --------------------------------------------------------------------- cascades --


def test_resources_memberships_and_organizations_take_their_group_ties_with_them(
    workos: WorkOSClient,
) -> None:
    authz = workos.authorization
    org = workos.organizations.create_organization(name="Doomed")
    workspace = authz.create_resource(
        external_id="ws", name="ws", resource_type_slug="workspace", organization_id=org.id
    )
    project = authz.create_resource(
        external_id="p",
        name="p",
        resource_type_slug="project",
        organization_id=org.id,
        parent_resource=ParentResourceById(parent_resource_id=workspace.id),
    )
    user = workos.user_management.create_user(email="doomed@acme.test")
    membership = workos.organization_membership.create_organization_membership(
        user_id=user.id, organization_id=org.id
    ).id
    group = workos.groups.create_organization_group(org.id, name="Team")
    workos.groups.create_group_organization_membership(
        org.id, group.id, organization_membership_id=membership
    )
    on_project = authz.create_group_role_assignment(
        group.id, role_slug="project-viewer", resource_id=project.id
    )
    authz.create_group_role_assignment(group.id, role_slug="billing-admin")

    with pytest.raises(ConflictError) as blocked:
        authz.delete_resource(project.id)
    assert blocked.value.code == "resource_has_dependents"
    assert authz.get_group_role_assignment(group.id, on_project.id).id == on_project.id
    authz.delete_resource(workspace.id, cascade_delete=True)
    with pytest.raises(NotFoundError):
        authz.get_group_role_assignment(group.id, on_project.id)
    assert [a.role.slug for a in authz.list_group_role_assignments(group.id).data] == [
        "billing-admin"
    ]

    workos.organization_membership.delete_organization_membership(membership)
    assert workos.groups.list_group_organization_memberships(org.id, group.id).data == []

    workos.organizations.delete_organization(org.id)
    with pytest.raises(NotFoundError):
        workos.groups.get_organization_group(org.id, group.id)
    with pytest.raises(NotFoundError):
        authz.list_group_role_assignments(group.id)
    with pytest.raises(NotFoundError):
        workos.groups.list_organization_groups(org.id)
