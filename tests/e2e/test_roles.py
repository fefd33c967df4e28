"""Environment and organization (custom) roles against a running idgov: every role method of the
WorkOS SDK, idgov's role extensions over plain HTTP, and each refused request answered with
WorkOS's error body and nothing changed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from workos import WorkOSClient
from workos._errors import ConflictError, NotFoundError, UnprocessableEntityError
from workos.authorization._resource import ParentResourceById, ResourceTargetById
from workos.organization_membership import RoleMultiple, RoleSingle

from tests.e2e.support import nothing_changes, unique
from tests.servers import Server

ROLE_SETTINGS = "/authorization/role_settings"
MEMBERSHIPS = "/user_management/organization_memberships"
UNKNOWN_ORG = "org_01JZZZZZZZZZZZZZZZZZZZZZZZ"


def org_roles_path(organization_id: str) -> str:
    return f"/authorization/organizations/{organization_id}/roles"


@pytest.fixture(scope="module")
def http(server: Server) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


@pytest.fixture(scope="module", autouse=True)
def schema(workos: WorkOSClient, http: httpx.Client) -> None:
    """organization > workspace > project, a permission of each, billing for the seeded admin
    role and a workspace role."""
    for slug, parents in (("workspace", ["organization"]), ("project", ["workspace"])):
        body = {"slug": slug, "name": slug.title(), "parent_type_slugs": parents}
        assert http.post("/authorization/resource_types", json=body).status_code == 201
    authz = workos.authorization
    authz.create_permission(slug="org:billing", name="Billing")
    authz.create_permission(slug="workspace:edit", name="Edit", resource_type_slug="workspace")
    authz.create_permission(slug="project:view", name="View", resource_type_slug="project")
    authz.set_environment_role_permissions("admin", permissions=["org:billing"])
    authz.create_environment_role(
        slug="ws-editor", name="Workspace editor", resource_type_slug="workspace"
    )


@pytest.fixture
def organization(workos: WorkOSClient) -> str:
    return workos.organizations.create_organization(name=unique("org")).id


def new_member(workos: WorkOSClient, organization_id: str, role: Any = None) -> Any:
    user = workos.user_management.create_user(email=f"{unique('u')}@example.com")
    return workos.organization_membership.create_organization_membership(
        user_id=user.id, organization_id=organization_id, role=role
    )


def role_slugs(workos: WorkOSClient, membership_id: str) -> list[str]:
    membership = workos.organization_membership.get_organization_membership(membership_id)
    return [r.slug for r in membership.roles]


def snapshot(http: httpx.Client, organization_id: str) -> dict[str, Any]:
    """What a refused request must leave as it was."""
    return {
        "position": http.get("/health").json()["event_store"]["position"],
        "environment_roles": http.get("/authorization/roles").json(),
        "organization_roles": http.get(org_roles_path(organization_id)).json(),
        "settings": http.get(ROLE_SETTINGS).json(),
        "organization_settings": http.get(
            f"/authorization/organizations/{organization_id}/role_settings"
        ).json(),
        "memberships": http.get(
            MEMBERSHIPS,
            params={
                "organization_id": organization_id,
                "statuses": "active,inactive",
                "limit": 100,
            },
        ).json(),
    }


def invalid(code: str, field: str) -> dict[str, Any]:
    return {"code": code, "errors": [{"field": field, "code": code}]}


def without_message(body: dict[str, Any]) -> dict[str, Any]:
    assert body["message"]
    return {k: v for k, v in body.items() if k != "message"}


# ------------------------------------------------------------------ SDK --


def test_environment_role_methods(workos: WorkOSClient) -> None:
    authz = workos.authorization
    created = authz.create_environment_role(
        slug="auditor", name="Auditor", description="Reads", resource_type_slug="organization"
    )
    assert created.id.startswith("role_")
    assert (created.type.value, created.resource_type_slug, created.permissions) == (
        "EnvironmentRole",
        "organization",
        [],
    )
    assert authz.get_environment_role("auditor").to_dict() == created.to_dict()
    updated = authz.update_environment_role("auditor", name="Auditors", description=None)
    assert (updated.name, updated.description) == ("Auditors", None)
    assert authz.add_environment_role_permission("auditor", body_slug="project:view").permissions
    assert authz.set_environment_role_permissions(
        "auditor", permissions=["org:billing"]
    ).permissions == ["org:billing"]
    listed = [r.slug for r in authz.list_environment_roles().data]
    assert listed[:3] == ["admin", "member", "ws-editor"]  # admin is seeded above member
    assert listed[-1] == "auditor"  # new roles join the bottom


def test_organization_role_methods(workos: WorkOSClient, organization: str) -> None:
    authz = workos.authorization
    created = authz.create_organization_role(
        organization, slug="org-billing", name="Billing", description="Pays"
    )
    assert created.id.startswith("role_")
    assert (created.slug, created.type.value, created.resource_type_slug) == (
        "org-billing",
        "OrganizationRole",
        "organization",
    )
    assert (created.description, created.permissions) == ("Pays", [])
    generated = authz.create_organization_role(organization, name="Project Lead!")
    assert generated.slug.startswith("project-lead-")
    assert generated.slug.endswith(generated.id[-6:].lower())
    scoped = authz.create_organization_role(
        organization, slug="org-ws", name="Workspace", resource_type_slug="workspace"
    )
    assert scoped.resource_type_slug == "workspace"

    assert authz.get_organization_role(organization, "org-billing").to_dict() == created.to_dict()
    environment = authz.get_organization_role(organization, "admin")  # either kind
    assert (environment.type.value, environment.permissions) == ("EnvironmentRole", ["org:billing"])

    updated = authz.update_organization_role(organization, "org-billing", name="Billing team")
    assert (updated.name, updated.description) == ("Billing team", "Pays")
    cleared = authz.update_organization_role(organization, "org-billing", description=None)
    assert cleared.description is None
    role = authz.add_organization_role_permission(organization, "org-ws", body_slug="project:view")
    role = authz.add_organization_role_permission(organization, "org-ws", body_slug="project:view")
    assert role.permissions == ["project:view"]  # adding twice is a no-op
    role = authz.set_organization_role_permissions(
        organization, "org-ws", permissions=["workspace:edit", "project:view"]
    )
    assert role.permissions == ["workspace:edit", "project:view"]
    authz.remove_organization_role_permission(organization, "org-ws", "workspace:edit")
    assert authz.get_organization_role(organization, "org-ws").permissions == ["project:view"]

    listed = authz.list_organization_roles(organization).data
    environment_slugs = [r.slug for r in authz.list_environment_roles().data]
    assert [r.slug for r in listed] == [
        *environment_slugs,
        "org-billing",
        generated.slug,
        "org-ws",
    ]
    assert {r.type.value for r in listed[: len(environment_slugs)]} == {"EnvironmentRole"}

    authz.delete_organization_role(organization, generated.slug)
    with pytest.raises(NotFoundError):
        authz.get_organization_role(organization, generated.slug)
    assert generated.slug not in [r.slug for r in authz.list_organization_roles(organization).data]


def test_custom_roles_belong_to_their_organization(workos: WorkOSClient, organization: str) -> None:
    other = workos.organizations.create_organization(name=unique("other")).id
    authz = workos.authorization
    authz.create_organization_role(organization, slug="org-lead", name="Lead")
    authz.set_organization_role_permissions(organization, "org-lead", permissions=["org:billing"])
    authz.create_organization_role(other, slug="org-lead", name="Lead elsewhere")
    assert authz.get_organization_role(other, "org-lead").permissions == []
    assert "org-lead" not in [r.slug for r in authz.list_environment_roles().data]
    with pytest.raises(NotFoundError):
        authz.get_environment_role("org-lead")

    here = new_member(workos, organization, RoleSingle(role_slug="org-lead"))
    there = new_member(workos, other, RoleSingle(role_slug="org-lead"))
    root = authz.get_resource_by_external_id(organization, "organization", organization)
    other_root = authz.get_resource_by_external_id(other, "organization", other)

    def allowed(membership: Any, resource: Any) -> bool:
        return authz.check(
            membership.id,
            permission_slug="org:billing",
            resource_target=ResourceTargetById(resource_id=resource.id),
        ).authorized

    assert allowed(here, root)
    assert not allowed(there, other_root)  # the same slug, another role
    authz.add_organization_role_permission(other, "org-lead", body_slug="org:billing")
    assert allowed(there, other_root)


def test_custom_roles_grant_through_checks_discovery_and_listings(
    workos: WorkOSClient, organization: str
) -> None:
    authz = workos.authorization
    authz.create_organization_role(
        organization, slug="org-ws-viewer", name="Viewer", resource_type_slug="workspace"
    )
    authz.set_organization_role_permissions(
        organization, "org-ws-viewer", permissions=["project:view"]
    )
    authz.create_organization_role(organization, slug="org-top", name="Top")
    authz.set_organization_role_permissions(organization, "org-top", permissions=["project:view"])
    workspace = authz.create_resource(
        external_id="ws", name="WS", resource_type_slug="workspace", organization_id=organization
    )
    project = authz.create_resource(
        external_id="p",
        name="P",
        resource_type_slug="project",
        organization_id=organization,
        parent_resource=ParentResourceById(parent_resource_id=workspace.id),
    )
    viewer = new_member(workos, organization)
    top = new_member(workos, organization, RoleSingle(role_slug="org-top"))
    assigned = authz.assign_role(
        viewer.id,
        role_slug="org-ws-viewer",
        resource_target=ResourceTargetById(resource_id=workspace.id),
    )
    assert assigned.role.slug == "org-ws-viewer"

    for membership in (viewer, top):
        assert authz.check(
            membership.id,
            permission_slug="project:view",
            resource_target=ResourceTargetById(resource_id=project.id),
        ).authorized
        effective = authz.list_effective_permissions(membership.id, project.id)
        assert [p.slug for p in effective.data] == ["project:view"]
    visible = authz.list_resources_for_membership(
        viewer.id,
        permission_slug="project:view",
        parent_resource=ParentResourceById(parent_resource_id=workspace.id),
    )
    assert [r.id for r in visible.data] == [project.id]
    who = authz.list_memberships_for_resource(
        project.id, permission_slug="project:view", assignment="indirect"
    )
    assert {m.id for m in who.data} == {viewer.id, top.id}
    mine = authz.list_role_assignments(viewer.id)
    assert {a.role.slug for a in mine.data} == {"member", "org-ws-viewer"}
    on_workspace = authz.list_role_assignments_for_resource(workspace.id)
    assert [a.role.slug for a in on_workspace.data] == ["org-ws-viewer"]


# ---------------------------------------------------- membership roles --


def test_memberships_take_custom_roles_and_their_organizations_default(
    workos: WorkOSClient, http: httpx.Client, organization: str
) -> None:
    authz = workos.authorization
    authz.create_organization_role(organization, slug="org-basic", name="Basic")
    assert role_slugs(workos, new_member(workos, organization).id) == ["member"]  # copied default
    changed = http.patch(
        f"/authorization/organizations/{organization}/role_settings",
        json={"default_role_slug": "org-basic"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["default_role_slug"] == "org-basic"
    assert role_slugs(workos, new_member(workos, organization).id) == ["org-basic"]
    other = workos.organizations.create_organization(name=unique("plain")).id
    assert role_slugs(workos, new_member(workos, other).id) == ["member"]


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"role_slug": "nobody"}, "invalid_role", "role_slug"),
        ({"role_slugs": ["org-elsewhere"]}, "invalid_role", "role_slugs"),
        ({"role_slug": "ws-editor"}, "sub_resource_scoped_role_not_allowed", "role_slug"),
        ({"role_slug": "org-scoped"}, "sub_resource_scoped_role_not_allowed", "role_slug"),
        ({"role_slugs": ["admin", "member"]}, "multiple_roles_not_enabled", "role_slugs"),
    ],
)
@pytest.mark.parametrize("method", ["create", "update"])
def test_membership_roles_are_refused(
    workos: WorkOSClient,
    http: httpx.Client,
    organization: str,
    method: str,
    body: dict[str, Any],
    code: str,
    field: str,
) -> None:
    elsewhere = workos.organizations.create_organization(name=unique("elsewhere")).id
    workos.authorization.create_organization_role(elsewhere, slug="org-elsewhere", name="E")
    workos.authorization.create_organization_role(
        organization, slug="org-scoped", name="S", resource_type_slug="workspace"
    )
    existing = new_member(workos, organization)
    user = workos.user_management.create_user(email=f"{unique('r')}@example.com")
    with nothing_changes(snapshot, http, organization):
        if method == "create":
            response = http.post(
                MEMBERSHIPS, json={"user_id": user.id, "organization_id": organization, **body}
            )
        else:
            response = http.put(f"{MEMBERSHIPS}/{existing.id}", json=body)
    assert response.status_code == 422, response.text
    assert without_message(response.json()) == invalid(code, field)


def test_several_roles_once_multiple_roles_are_enabled(
    workos: WorkOSClient, http: httpx.Client, organization: str
) -> None:
    workos.authorization.create_organization_role(organization, slug="org-lead", name="Lead")
    with pytest.raises(UnprocessableEntityError) as refused:
        new_member(workos, organization, RoleMultiple(role_slugs=["admin", "org-lead"]))
    assert refused.value.code == "multiple_roles_not_enabled"
    try:
        assert http.patch(ROLE_SETTINGS, json={"multiple_roles": True}).json()["multiple_roles"]
        several = new_member(workos, organization, RoleMultiple(role_slugs=["admin", "org-lead"]))
        assert role_slugs(workos, several.id) == ["admin", "org-lead"]
        only_admin = new_member(workos, organization, RoleMultiple(role_slugs=["member", "admin"]))
        listed = [r.slug for r in workos.authorization.list_organization_roles(organization).data]
        rest = [slug for slug in listed if slug not in ("org-lead", "admin")]
        http.patch(
            f"/authorization/organizations/{organization}/role_settings",
            json={"priority_order": ["org-lead", "admin", *rest]},
        ).raise_for_status()
    finally:
        turned_off = http.patch(ROLE_SETTINGS, json={"multiple_roles": False})
    assert turned_off.json()["multiple_roles"] is False
    # Each membership keeps the role highest in its organization's priority order.
    assert role_slugs(workos, several.id) == ["org-lead"]
    assert role_slugs(workos, only_admin.id) == ["admin"]


# ------------------------------------------------------------ refusals --


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({"slug": "lead", "name": "Lead"}, 422, invalid("invalid_slug", "slug")),
        ({"slug": "org--lead", "name": "Lead"}, 422, invalid("invalid_slug", "slug")),
        ({"slug": "org-lead-", "name": "Lead"}, 422, invalid("invalid_slug", "slug")),
        ({"slug": "org-Lead", "name": "Lead"}, 422, invalid("invalid_slug", "slug")),
        ({"slug": "org-taken", "name": "Again"}, 409, {"code": "organization_role_slug_conflict"}),
        (
            {"slug": "org-x", "name": "X", "resource_type_slug": "galaxy"},
            422,
            invalid("resource_type_not_found", "resource_type_slug"),
        ),
        (
            {"slug": "org-x", "name": "x" * 49},
            422,
            {
                "code": "invalid_request_parameters",
                "errors": [{"field": "name", "code": "too_long"}],
            },
        ),
        (
            {"slug": "org-x", "name": "X", "description": "d" * 151},
            422,
            {
                "code": "invalid_request_parameters",
                "errors": [{"field": "description", "code": "too_long"}],
            },
        ),
        (
            {"slug": "org-" + "x" * 45, "name": "X"},
            422,
            {
                "code": "invalid_request_parameters",
                "errors": [{"field": "slug", "code": "too_long"}],
            },
        ),
        (
            {"slug": "org-x"},
            422,
            {
                "code": "invalid_request_parameters",
                "errors": [{"field": "name", "code": "required"}],
            },
        ),
    ],
)
def test_creating_a_custom_role_is_refused(
    workos: WorkOSClient,
    http: httpx.Client,
    organization: str,
    body: dict[str, Any],
    status: int,
    expected: dict[str, Any],
) -> None:
    workos.authorization.create_organization_role(organization, slug="org-taken", name="Taken")
    with nothing_changes(snapshot, http, organization):
        response = http.post(org_roles_path(organization), json=body)
    assert response.status_code == status, response.text
    assert without_message(response.json()) == expected


def test_unknown_organizations_and_roles_are_not_found(
    workos: WorkOSClient, http: httpx.Client, organization: str
) -> None:
    workos.authorization.create_organization_role(organization, slug="org-known", name="Known")
    requests = [
        ("GET", org_roles_path(UNKNOWN_ORG), None),
        ("POST", org_roles_path(UNKNOWN_ORG), {"name": "X"}),
        ("GET", org_roles_path(organization) + "/org-nobody", None),
        ("PATCH", org_roles_path(organization) + "/org-nobody", {"name": "X"}),
        ("PATCH", org_roles_path(organization) + "/admin", {"name": "X"}),  # not a custom role
        ("DELETE", org_roles_path(organization) + "/admin", None),
        ("DELETE", org_roles_path(organization) + "/org-nobody", None),
        ("PUT", org_roles_path(organization) + "/org-nobody/permissions", {"permissions": []}),
        ("POST", org_roles_path(organization) + "/org-nobody/permissions", {"slug": "org:billing"}),
        ("DELETE", org_roles_path(organization) + "/org-known/permissions/org:billing", None),
        ("GET", f"/authorization/organizations/{UNKNOWN_ORG}/role_settings", None),
        ("PATCH", f"/authorization/organizations/{UNKNOWN_ORG}/role_settings", {}),
        ("DELETE", "/authorization/roles/nobody", None),
    ]
    for method, path, body in requests:
        with nothing_changes(snapshot, http, organization):
            response = http.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["code"] == "entity_not_found"
        assert response.json()["message"]


def test_custom_role_permissions_are_refused_outside_their_reach(
    workos: WorkOSClient, http: httpx.Client, organization: str
) -> None:
    workos.authorization.create_organization_role(
        organization, slug="org-proj", name="P", resource_type_slug="project"
    )
    path = org_roles_path(organization) + "/org-proj/permissions"
    for method, body, field in (
        ("POST", {"slug": "workspace:edit"}, "slug"),
        ("PUT", {"permissions": ["project:view", "org:billing"]}, "permissions"),
    ):
        with nothing_changes(snapshot, http, organization):
            response = http.request(method, path, json=body)
        assert response.status_code == 422
        assert without_message(response.json()) == invalid("permission_outside_role_scope", field)
    with nothing_changes(snapshot, http, organization):
        response = http.put(path, json={"permissions": ["no:such"]})
    assert without_message(response.json()) == invalid("permission_not_found", "permissions")


def test_a_role_in_use_or_default_is_not_deleted(
    workos: WorkOSClient, http: httpx.Client, organization: str
) -> None:
    authz = workos.authorization
    authz.create_organization_role(
        organization, slug="org-ws", name="WS", resource_type_slug="workspace"
    )
    authz.create_organization_role(organization, slug="org-basic", name="Basic")
    workspace = authz.create_resource(
        external_id="w", name="W", resource_type_slug="workspace", organization_id=organization
    )
    someone = new_member(workos, organization)
    authz.assign_role(
        someone.id, role_slug="org-ws", resource_target=ResourceTargetById(resource_id=workspace.id)
    )
    http.patch(
        f"/authorization/organizations/{organization}/role_settings",
        json={"default_role_slug": "org-basic"},
    ).raise_for_status()
    for path, code in (
        (org_roles_path(organization) + "/org-ws", "role_has_assignments"),
        (org_roles_path(organization) + "/org-basic", "role_is_default"),
        ("/authorization/roles/member", "role_is_default"),
    ):
        with nothing_changes(snapshot, http, organization):
            response = http.delete(path)
        assert response.status_code == 409, response.text
        assert without_message(response.json()) == {"code": code}
    with pytest.raises(ConflictError) as sdk:
        authz.delete_organization_role(organization, "org-ws")
    assert sdk.value.code == "role_has_assignments"


def test_settings_are_refused_when_wrong(
    http: httpx.Client, organization: str, workos: WorkOSClient
) -> None:
    workos.authorization.create_organization_role(organization, slug="org-some", name="Some")
    org_settings = f"/authorization/organizations/{organization}/role_settings"
    for path, body, expected in (
        (
            ROLE_SETTINGS,
            {"default_role_slug": "ws-editor"},
            invalid("invalid_role", "default_role_slug"),
        ),
        (
            ROLE_SETTINGS,
            {"default_role_slug": "org-some"},
            invalid("invalid_role", "default_role_slug"),
        ),
        (
            ROLE_SETTINGS,
            {"priority_order": ["member"]},
            invalid("invalid_priority_order", "priority_order"),
        ),
        (
            org_settings,
            {"default_role_slug": "nobody"},
            invalid("invalid_role", "default_role_slug"),
        ),
        (
            org_settings,
            {"priority_order": ["org-some", "org-some"]},
            invalid("invalid_priority_order", "priority_order"),
        ),
        (
            org_settings,
            {"multiple_roles": True},
            {
                "code": "invalid_request_parameters",
                "errors": [{"field": "multiple_roles", "code": "unknown_field"}],
            },
        ),
    ):
        with nothing_changes(snapshot, http, organization):
            response = http.patch(path, json=body)
        assert response.status_code == 422, response.text
        assert without_message(response.json()) == expected


# ------------------------------------------------------------ extensions --


def test_role_settings_and_priority_orders(
    workos: WorkOSClient, http: httpx.Client, organization: str
) -> None:
    environment = http.get(ROLE_SETTINGS).json()
    assert environment["object"] == "role_settings"
    assert environment["default_role_slug"] == "member"
    assert environment["multiple_roles"] is False
    assert environment["priority_order"] == [
        r.slug for r in workos.authorization.list_environment_roles().data
    ]
    org_settings = f"/authorization/organizations/{organization}/role_settings"
    following = http.get(org_settings).json()
    assert following == {
        "object": "organization_role_settings",
        "organization_id": organization,
        "customized": False,
        "default_role_slug": "member",
        "priority_order": environment["priority_order"],
    }
    unchanged = http.patch(org_settings, json={"default_role_slug": "member"})
    assert unchanged.json()["customized"] is False  # nothing differed from the environment

    reordered = list(reversed(environment["priority_order"]))
    answer = http.patch(ROLE_SETTINGS, json={"priority_order": reordered})
    assert answer.status_code == 200
    assert answer.json()["priority_order"] == reordered
    assert [r.slug for r in workos.authorization.list_environment_roles().data] == reordered
    assert http.get(org_settings).json()["priority_order"] == reordered  # still following

    customised = http.patch(org_settings, json={"default_role_slug": "admin"}).json()
    assert (customised["customized"], customised["default_role_slug"]) == (True, "admin")
    http.patch(ROLE_SETTINGS, json={"priority_order": environment["priority_order"]})
    assert http.get(org_settings).json()["priority_order"] == reordered  # its own now
    workos.authorization.create_environment_role(slug="late", name="Late")
    workos.authorization.create_organization_role(organization, slug="org-later", name="Later")
    listed = [r.slug for r in workos.authorization.list_organization_roles(organization).data]
    assert listed == [*reordered, "late", "org-later"]
    assert http.get(org_settings).json()["priority_order"] == listed
    assert http.get(ROLE_SETTINGS).json()["default_role_slug"] == "member"


def test_deleting_an_environment_role_moves_its_holders_everywhere(
    workos: WorkOSClient, http: httpx.Client, organization: str
) -> None:
    workos.authorization.create_environment_role(slug="temp", name="Temp")
    workos.authorization.create_organization_role(organization, slug="org-home", name="Home")
    http.patch(
        f"/authorization/organizations/{organization}/role_settings",
        json={"default_role_slug": "org-home"},
    ).raise_for_status()
    other = workos.organizations.create_organization(name=unique("other")).id
    here = new_member(workos, organization, RoleSingle(role_slug="temp"))
    there = new_member(workos, other, RoleSingle(role_slug="temp"))
    deleted = http.delete("/authorization/roles/temp")
    assert deleted.status_code == 204, deleted.text
    assert role_slugs(workos, here.id) == ["org-home"]
    assert role_slugs(workos, there.id) == ["member"]
    with pytest.raises(NotFoundError):
        workos.authorization.get_environment_role("temp")
    assert "temp" not in [r.slug for r in workos.authorization.list_organization_roles(other).data]


def test_deleting_a_custom_role_moves_its_holders_to_the_default(
    workos: WorkOSClient, organization: str
) -> None:
    workos.authorization.create_organization_role(organization, slug="org-gone", name="Gone")
    holder = new_member(workos, organization, RoleSingle(role_slug="org-gone"))
    workos.organization_membership.deactivate_organization_membership(holder.id)
    workos.authorization.delete_organization_role(organization, "org-gone")
    assert role_slugs(workos, holder.id) == ["member"]
    assert workos.organization_membership.reactivate_organization_membership(
        holder.id
    ).role.slug == ("member")


def test_deleting_a_permission_or_an_organization_reaches_custom_roles(
    workos: WorkOSClient, http: httpx.Client, organization: str
) -> None:
    authz = workos.authorization
    authz.create_permission(slug="org:temp", name="Temp")
    authz.create_organization_role(organization, slug="org-holder", name="Holder")
    authz.set_organization_role_permissions(
        organization, "org-holder", permissions=["org:temp", "org:billing"]
    )
    authz.delete_permission("org:temp")
    assert authz.get_organization_role(organization, "org-holder").permissions == ["org:billing"]

    workos.organizations.delete_organization(organization)
    assert http.get(org_roles_path(organization)).status_code == 404
    # The slug is free for another organization, and the environment never saw it.
    fresh = workos.organizations.create_organization(name=unique("fresh")).id
    assert authz.create_organization_role(fresh, slug="org-holder", name="Again").permissions == []
