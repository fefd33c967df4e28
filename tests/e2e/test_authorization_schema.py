"""Resource types (idgov extension), permissions and environment roles, through the WorkOS SDK
and plain HTTP against a running idgov."""

from __future__ import annotations

import pytest
from workos import WorkOSClient
from workos._errors import ConflictError, NotFoundError, UnprocessableEntityError

from tests.servers import Server


@pytest.fixture(scope="module", autouse=True)
def hierarchy(server: Server) -> None:
    with server.client() as http:
        for slug, parents in (
            ("workspace", ["organization"]),
            ("project", ["workspace"]),
            ("app", ["workspace", "project"]),
        ):
            response = http.post(
                "/authorization/resource_types",
                json={"slug": slug, "name": slug.title(), "parent_type_slugs": parents},
            )
            assert response.status_code == 201, response.text


def test_the_environment_starts_with_the_member_role(workos: WorkOSClient) -> None:
    member = workos.authorization.get_environment_role("member")
    assert (member.slug, member.resource_type_slug, member.type.value) == (
        "member",
        "organization",
        "EnvironmentRole",
    )


def test_permission_lifecycle(workos: WorkOSClient) -> None:
    created = workos.authorization.create_permission(
        slug="project:view",
        name="View projects",
        description="See a project",
        resource_type_slug="project",
    )
    assert created.id.startswith("perm_")
    assert created.resource_type_slug == "project"
    assert not created.system
    assert workos.authorization.get_permission("project:view").description == "See a project"
    updated = workos.authorization.update_permission("project:view", name="View a project")
    assert updated.name == "View a project"
    assert updated.description == "See a project"
    assert "project:view" in [p.slug for p in workos.authorization.list_permissions(limit=100).data]
    default_scope = workos.authorization.create_permission(slug="org:read", name="Read")
    assert default_scope.resource_type_slug == "organization"


def test_permissions_paginate_completely(workos: WorkOSClient) -> None:
    for i in range(12):
        workos.authorization.create_permission(
            slug=f"app:p{i:02}", name=f"P{i}", resource_type_slug="app"
        )
    seen: list[str] = []
    page = workos.authorization.list_permissions(limit=5, order="asc")
    while True:
        seen += [p.slug for p in page.data]
        if page.list_metadata.after is None:
            break
        page = workos.authorization.list_permissions(
            limit=5, order="asc", after=page.list_metadata.after
        )
    assert len(seen) == len(set(seen))
    assert {f"app:p{i:02}" for i in range(12)} <= set(seen)


def test_environment_roles_hold_permissions_of_their_reach(workos: WorkOSClient) -> None:
    workos.authorization.create_permission(
        slug="app:deploy", name="Deploy", resource_type_slug="app"
    )
    role = workos.authorization.create_environment_role(
        slug="workspace-admin", name="Workspace admin", resource_type_slug="workspace"
    )
    assert role.id.startswith("role_")
    assert role.permissions == []
    role = workos.authorization.add_environment_role_permission(
        "workspace-admin", body_slug="app:deploy"
    )
    role = workos.authorization.add_environment_role_permission(
        "workspace-admin", body_slug="app:deploy"
    )
    assert role.permissions == ["app:deploy"]
    role = workos.authorization.set_environment_role_permissions(
        "workspace-admin", permissions=["app:deploy", "project:view"]
    )
    assert sorted(role.permissions) == ["app:deploy", "project:view"]
    role = workos.authorization.update_environment_role("workspace-admin", name="Workspace owner")
    assert role.name == "Workspace owner"
    slugs = [r.slug for r in workos.authorization.list_environment_roles().data]
    assert slugs.index("member") < slugs.index(
        "workspace-admin"
    )  # priority order: new roles at the bottom

    workos.authorization.create_environment_role(
        slug="app-admin", name="App admin", resource_type_slug="app"
    )
    with pytest.raises(UnprocessableEntityError) as error:
        workos.authorization.add_environment_role_permission("app-admin", body_slug="project:view")
    assert error.value.code == "permission_outside_role_scope"
    assert workos.authorization.get_environment_role("app-admin").permissions == []


def test_deleting_a_permission_takes_it_out_of_roles(workos: WorkOSClient) -> None:
    workos.authorization.create_permission(
        slug="app:restart", name="Restart", resource_type_slug="app"
    )
    workos.authorization.add_environment_role_permission("workspace-admin", body_slug="app:restart")
    workos.authorization.delete_permission("app:restart")
    assert (
        "app:restart"
        not in workos.authorization.get_environment_role("workspace-admin").permissions
    )
    with pytest.raises(NotFoundError):
        workos.authorization.get_permission("app:restart")


def test_conflicts_and_unknowns_change_nothing(workos: WorkOSClient, server: Server) -> None:
    before = [r.to_dict() for r in workos.authorization.list_environment_roles().data]
    with pytest.raises(ConflictError) as conflict:
        workos.authorization.create_environment_role(slug="member", name="Again")
    assert conflict.value.code == "role_slug_conflict"
    with pytest.raises(UnprocessableEntityError) as error:
        workos.authorization.create_environment_role(
            slug="x", name="X", resource_type_slug="galaxy"
        )
    assert error.value.code == "resource_type_not_found"
    with pytest.raises(NotFoundError):
        workos.authorization.get_environment_role("nobody")
    with pytest.raises(NotFoundError):
        workos.authorization.update_permission("no:such", name="x")
    with server.client() as http:
        bad = http.post("/authorization/permissions", json={"slug": "Bad Slug", "name": "x"})
        assert bad.status_code == 422
        assert bad.json()["errors"] == [{"field": "slug", "code": "invalid_slug"}]
        missing = http.post("/authorization/roles", json={"slug": "r"})
        assert missing.status_code == 422
        assert {"field": "name", "code": "required"} in missing.json()["errors"]
        unknown = http.post(
            "/authorization/roles", json={"slug": "r", "name": "R", "colour": "red"}
        )
        assert unknown.status_code == 422
        assert {"field": "colour", "code": "unknown_field"} in unknown.json()["errors"]
    assert [r.to_dict() for r in workos.authorization.list_environment_roles().data] == before


def test_resource_types_extension(server: Server) -> None:
    with server.client() as http:
        listed = http.get("/authorization/resource_types").json()
        assert [t["slug"] for t in listed["data"]][:3] == ["workspace", "project", "app"]
        assert http.get("/authorization/resource_types/app").json()["parent_type_slugs"] == [
            "workspace",
            "project",
        ]

        cycle = http.patch(
            "/authorization/resource_types/workspace", json={"parent_type_slugs": ["app"]}
        )
        assert cycle.status_code == 422
        assert cycle.json()["code"] == "resource_type_cycle"
        lost = http.patch(
            "/authorization/resource_types/app", json={"parent_type_slugs": ["organization"]}
        )
        assert lost.status_code == 409
        assert lost.json()["code"] == "resource_type_in_use"
        in_use = http.delete("/authorization/resource_types/app")
        assert in_use.status_code == 409
        assert in_use.json()["code"] == "resource_type_in_use"
        duplicate = http.post(
            "/authorization/resource_types", json={"slug": "project", "name": "Again"}
        )
        assert duplicate.status_code == 409
        assert duplicate.json()["code"] == "resource_type_slug_conflict"
        assert http.get("/authorization/resource_types/app").json()["parent_type_slugs"] == [
            "workspace",
            "project",
        ]

        created = http.post(
            "/authorization/resource_types",
            json={"slug": "folder", "name": "Folder", "parent_type_slugs": ["project"]},
        )
        assert created.status_code == 201
        renamed = http.patch(
            "/authorization/resource_types/folder",
            json={"name": "Directory", "description": "Files"},
        )
        assert (renamed.json()["name"], renamed.json()["description"]) == ("Directory", "Files")
        assert http.delete("/authorization/resource_types/folder").status_code == 204
        assert http.get("/authorization/resource_types/folder").status_code == 404
