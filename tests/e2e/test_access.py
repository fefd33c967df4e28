"""Resources, role assignments, checks and discovery through the WorkOS SDK, on the examples
of the WorkOS docs: a workspace admin can deploy every app in that workspace; a contractor
with a project-viewer role sees only that project."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pytest
from workos import WorkOSClient
from workos._errors import ConflictError, NotFoundError, UnprocessableEntityError
from workos.authorization._resource import (
    ParentResourceByExternalId,
    ParentResourceById,
    ResourceTargetByExternalId,
    ResourceTargetById,
)
from workos.organization_membership._resource import RoleSingle

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
    workspace: str
    other_workspace: str
    project: str
    other_project: str
    app: str
    admin: str
    contractor: str
    member: str


@pytest.fixture(scope="module")
def acme(server: Server, workos: WorkOSClient) -> Acme:
    create_resource_types(
        server,
        {"workspace": ["organization"], "project": ["workspace"], "app": ["workspace", "project"]},
    )
    create_permissions(workos)
    for slug, name, type_slug, permissions in (
        ("workspace-admin", "Workspace admin", "workspace", ["app:deploy", "project:view"]),
        ("project-viewer", "Project viewer", "project", ["project:view"]),
        ("billing-admin", "Billing admin", None, ["org:billing", "project:view"]),
    ):
        create_role(workos, slug, name, type_slug, permissions)

    org = workos.organizations.create_organization(name="Acme")
    resource = functools.partial(create_resource, workos, org.id)
    member = functools.partial(create_member, workos, org.id)
    workspace = resource("ws-1", "workspace")
    other_workspace = resource("ws-2", "workspace")
    project = resource("proj-1", "project", workspace)
    other_project = resource("proj-2", "project", workspace)
    app = resource("app-1", "app", project)

    admin, contractor, plain = (
        member("admin@acme.test"),
        member("contractor@acme.test"),
        member("member@acme.test"),
    )
    authz = workos.authorization
    authz.assign_role(
        admin,
        role_slug="workspace-admin",
        resource_target=ResourceTargetById(resource_id=workspace),
    )
    authz.assign_role(
        contractor,
        role_slug="project-viewer",
        resource_target=ResourceTargetByExternalId(
            resource_external_id="proj-1", resource_type_slug="project"
        ),
    )
    return Acme(
        org.id, workspace, other_workspace, project, other_project, app, admin, contractor, plain
    )


def test_a_workspace_admin_can_deploy_every_app_in_that_workspace(
    workos: WorkOSClient, acme: Acme
) -> None:
    assert allowed(workos, acme.admin, "app:deploy", acme.app)
    assert allowed(workos, acme.admin, "project:view", acme.other_project)
    assert not allowed(workos, acme.admin, "app:deploy", acme.other_workspace)


def test_a_contractor_with_project_viewer_sees_only_that_project(
    workos: WorkOSClient, acme: Acme
) -> None:
    assert allowed(workos, acme.contractor, "project:view", acme.project)
    assert not allowed(workos, acme.contractor, "project:view", acme.other_project)
    assert not allowed(workos, acme.contractor, "app:deploy", acme.app)
    parent = ParentResourceById(parent_resource_id=acme.workspace)
    visible = workos.authorization.list_resources_for_membership(
        acme.contractor, permission_slug="project:view", parent_resource=parent
    )
    assert [r.id for r in visible.data] == [acme.project]


def test_discovery_includes_inherited_access(workos: WorkOSClient, acme: Acme) -> None:
    parent = ParentResourceByExternalId(
        parent_resource_external_id="ws-1", parent_resource_type_slug="workspace"
    )
    visible = workos.authorization.list_resources_for_membership(
        acme.admin, permission_slug="project:view", parent_resource=parent, order="asc"
    )
    assert [r.id for r in visible.data] == [acme.project, acme.other_project]


def test_organization_level_roles_reach_every_resource(workos: WorkOSClient, acme: Acme) -> None:
    assert not allowed(workos, acme.member, "project:view", acme.project)
    workos.organization_membership.update_organization_membership(
        acme.member, role=RoleSingle(role_slug="billing-admin")
    )
    assert allowed(workos, acme.member, "project:view", acme.other_project)
    root = workos.authorization.get_resource_by_external_id(
        acme.organization_id, "organization", acme.organization_id
    )
    assert allowed(workos, acme.member, "org:billing", root.id)  # of the organization's type
    workos.organization_membership.update_organization_membership(
        acme.member, role=RoleSingle(role_slug="member")
    )
    assert not allowed(workos, acme.member, "project:view", acme.other_project)


def test_effective_permissions_and_who_can_access(workos: WorkOSClient, acme: Acme) -> None:
    effective = workos.authorization.list_effective_permissions(acme.admin, acme.app)
    assert [p.slug for p in effective.data] == ["app:deploy"]  # the app's type's only
    by_external = workos.authorization.list_effective_permissions_by_external_id(
        acme.contractor, "project", "proj-1"
    )
    assert [p.slug for p in by_external.data] == ["project:view"]

    direct = workos.authorization.list_memberships_for_resource(
        acme.project, permission_slug="project:view"
    )
    assert [m.id for m in direct.data] == [acme.contractor]
    assert direct.data[0].user.email == "contractor@acme.test"
    indirect = workos.authorization.list_memberships_for_resource(
        acme.project, permission_slug="project:view", assignment="indirect"
    )
    assert {m.id for m in indirect.data} == {acme.admin, acme.contractor}


def test_role_assignment_listings(workos: WorkOSClient, acme: Acme) -> None:
    mine = workos.authorization.list_role_assignments(acme.admin)
    assert {(a.role.slug, a.resource.resource_type_slug) for a in mine.data} == {
        ("member", "organization"),
        ("workspace-admin", "workspace"),
    }
    on_project = workos.authorization.list_role_assignments_for_resource_by_external_id(
        acme.organization_id, "project", "proj-1"
    )
    assert [(a.organization_membership_id, a.source.type.value) for a in on_project.data] == [
        (acme.contractor, "direct")
    ]


def test_moving_a_resource_moves_inherited_access(workos: WorkOSClient, acme: Acme) -> None:
    authz = workos.authorization
    moving = authz.create_resource(
        external_id="proj-3",
        name="Moving",
        resource_type_slug="project",
        organization_id=acme.organization_id,
        parent_resource=ParentResourceById(parent_resource_id=acme.other_workspace),
    )
    app = authz.create_resource(
        external_id="app-3",
        name="App",
        resource_type_slug="app",
        organization_id=acme.organization_id,
        parent_resource=ParentResourceById(parent_resource_id=moving.id),
    )
    assert not allowed(workos, acme.admin, "app:deploy", app.id)
    authz.update_resource(
        moving.id, parent_resource=ParentResourceById(parent_resource_id=acme.workspace)
    )
    assert allowed(workos, acme.admin, "app:deploy", app.id)  # the subtree followed
    with pytest.raises(UnprocessableEntityError) as cycle:
        authz.update_resource(
            acme.workspace, parent_resource=ParentResourceById(parent_resource_id=app.id)
        )
    assert cycle.value.code in {"invalid_parent_resource_type", "resource_cycle"}


def test_bad_assignments_and_resources_change_nothing(
    workos: WorkOSClient, acme: Acme, server: Server
) -> None:
    authz = workos.authorization
    before = [a.id for a in authz.list_role_assignments(acme.contractor).data]
    with pytest.raises(UnprocessableEntityError) as wrong_type:
        authz.assign_role(
            acme.contractor,
            role_slug="workspace-admin",
            resource_target=ResourceTargetById(resource_id=acme.project),
        )
    assert wrong_type.value.code == "role_resource_type_mismatch"
    with pytest.raises(UnprocessableEntityError) as unknown_role:
        authz.assign_role(
            acme.contractor,
            role_slug="nope",
            resource_target=ResourceTargetById(resource_id=acme.project),
        )
    assert unknown_role.value.code == "invalid_role"
    with pytest.raises(ConflictError) as duplicate:
        authz.assign_role(
            acme.contractor,
            role_slug="project-viewer",
            resource_target=ResourceTargetById(resource_id=acme.project),
        )
    assert duplicate.value.code == "duplicate_role_assignment"
    with pytest.raises(NotFoundError):
        authz.assign_role(
            acme.contractor,
            role_slug="project-viewer",
            resource_target=ResourceTargetById(resource_id="authz_resource_nope"),
        )
    assert [a.id for a in authz.list_role_assignments(acme.contractor).data] == before

    with pytest.raises(ConflictError) as taken:
        authz.create_resource(
            external_id="proj-1",
            name="Again",
            resource_type_slug="project",
            organization_id=acme.organization_id,
            parent_resource=ParentResourceById(parent_resource_id=acme.workspace),
        )
    assert taken.value.code == "authorization_resource_external_id_conflict"
    with pytest.raises(UnprocessableEntityError) as wrong_parent:
        authz.create_resource(
            external_id="x",
            name="X",
            resource_type_slug="project",
            organization_id=acme.organization_id,
        )
    assert wrong_parent.value.code == "invalid_parent_resource_type"
    with server.client() as http:
        both = http.post(
            "/authorization/resources",
            json={
                "external_id": "y",
                "name": "Y",
                "resource_type_slug": "project",
                "organization_id": acme.organization_id,
                "parent_resource_id": acme.workspace,
                "parent_resource_external_id": "ws-1",
                "parent_resource_type_slug": "workspace",
            },
        )
        assert both.status_code == 422
        assert {"field": "parent_resource_id", "code": "mutually_exclusive"} in both.json()[
            "errors"
        ]
        missing = http.get("/authorization/resources")
        assert missing.status_code == 400
        assert missing.json()["code"] == "missing_organization_id_or_resource_type_slug"
    listed = authz.list_resources(
        organization_id=acme.organization_id, resource_type_slug="project", limit=100
    )
    assert "x" not in {r.external_id for r in listed.data}
    assert "y" not in {r.external_id for r in listed.data}


def test_deleting_a_resource_with_dependents_needs_cascade(
    workos: WorkOSClient, acme: Acme
) -> None:
    authz = workos.authorization
    doomed = authz.create_resource(
        external_id="ws-9",
        name="Doomed",
        resource_type_slug="workspace",
        organization_id=acme.organization_id,
    )
    child = authz.create_resource(
        external_id="proj-9",
        name="Child",
        resource_type_slug="project",
        organization_id=acme.organization_id,
        parent_resource=ParentResourceById(parent_resource_id=doomed.id),
    )
    authz.assign_role(
        acme.contractor,
        role_slug="project-viewer",
        resource_target=ResourceTargetById(resource_id=child.id),
    )
    with pytest.raises(ConflictError) as blocked:
        authz.delete_resource(doomed.id)
    assert blocked.value.code == "resource_has_dependents"
    assert authz.get_resource(child.id).parent_resource_id == doomed.id
    authz.delete_resource(doomed.id, cascade_delete=True)
    with pytest.raises(NotFoundError):
        authz.get_resource(child.id)
    assert child.id not in {
        a.resource.id for a in authz.list_role_assignments(acme.contractor).data
    }


def test_batch_checks_answer_in_order(acme: Acme, server: Server) -> None:
    checks = [
        {
            "organization_membership_id": acme.admin,
            "permission_slug": "app:deploy",
            "resource_id": acme.app,
        },
        {
            "organization_membership_id": acme.contractor,
            "permission_slug": "app:deploy",
            "resource_id": acme.app,
        },
        {
            "organization_membership_id": acme.contractor,
            "permission_slug": "project:view",
            "resource_external_id": "proj-1",
            "resource_type_slug": "project",
        },
        {
            "organization_membership_id": "om_unknown",
            "permission_slug": "project:view",
            "resource_id": acme.project,
        },
    ]
    with server.client() as http:
        answer = http.post("/authorization/check/batch", json={"checks": checks})
        assert answer.status_code == 200
        assert [a["authorized"] for a in answer.json()["data"]] == [True, False, True, False]
        too_many = http.post("/authorization/check/batch", json={"checks": checks * 26})
        assert too_many.status_code == 422


def test_only_active_memberships_are_authorized(workos: WorkOSClient, acme: Acme) -> None:
    workos.organization_membership.deactivate_organization_membership(acme.admin)
    assert not allowed(workos, acme.admin, "app:deploy", acme.app)
    workos.organization_membership.reactivate_organization_membership(acme.admin)
    assert allowed(workos, acme.admin, "app:deploy", acme.app)


def test_resources_by_external_id_and_assignments_by_id(workos: WorkOSClient, acme: Acme) -> None:
    """The external-id forms of update, delete and who-can-access, and removal by id."""
    authz = workos.authorization
    created = authz.create_resource(
        external_id="proj-x",
        name="Project X",
        resource_type_slug="project",
        organization_id=acme.organization_id,
        parent_resource=ParentResourceById(parent_resource_id=acme.workspace),
    )
    moved = authz.update_resource_by_external_id(
        acme.organization_id,
        "project",
        "proj-x",
        name="Project X2",
        parent_resource=ParentResourceByExternalId(
            parent_resource_external_id="ws-2", parent_resource_type_slug="workspace"
        ),
    )
    assert (moved.id, moved.name, moved.parent_resource_id) == (
        created.id,
        "Project X2",
        acme.other_workspace,
    )

    assignment = authz.assign_role(
        acme.member,
        role_slug="project-viewer",
        resource_target=ResourceTargetById(resource_id=created.id),
    )
    who = authz.list_memberships_for_resource_by_external_id(
        acme.organization_id, "project", "proj-x", permission_slug="project:view"
    )
    assert [m.id for m in who.data] == [acme.member]
    assert allowed(workos, acme.member, "project:view", created.id)

    authz.remove_role_assignment(acme.member, assignment.id)
    assert not allowed(workos, acme.member, "project:view", created.id)
    with pytest.raises(NotFoundError):
        authz.remove_role_assignment(acme.member, assignment.id)

    authz.delete_resource_by_external_id(acme.organization_id, "project", "proj-x")
    with pytest.raises(NotFoundError):
        authz.get_resource(created.id)
    with pytest.raises(NotFoundError):
        authz.get_resource_by_external_id(acme.organization_id, "project", "proj-x")
