"""Plain HTTP: every way a request about groups or their roles can be refused.

Each refused request is checked twice: the error body is exactly the WorkOS shape with the
promised code, and nothing changed (the event store did not move and every group list
reads the same).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.support import nothing_changes
from tests.servers import Server

UNKNOWN_GROUP = "group_01JZZZZZZZZZZZZZZZZZZZZZZZ"
UNKNOWN_ORG = "org_01JZZZZZZZZZZZZZZZZZZZZZZZ"
UNKNOWN_MEMBERSHIP = "om_01JZZZZZZZZZZZZZZZZZZZZZZZ"
UNKNOWN_RESOURCE = "authz_resource_01JZZZZZZZZZZZZZZZZZZZZZZZ"
UNKNOWN_ASSIGNMENT = "gra_01JZZZZZZZZZZZZZZZZZZZZZZZ"
GROUPS = "/organizations/{org}/groups"
GROUP = GROUPS + "/{group}"
MEMBERS = GROUP + "/organization-memberships"
ROLES = "/authorization/groups/{group}/role_assignments"


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as http:
        yield http


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.is_success, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(scope="module")
def world(client: httpx.Client) -> dict[str, str]:
    """Two organizations; in the first a group with a member and a role on a workspace."""
    for slug, parents in (("workspace", ["organization"]), ("project", ["workspace"])):
        _ok(
            client.post(
                "/authorization/resource_types",
                json={"slug": slug, "name": slug, "parent_type_slugs": parents},
            )
        )
    for slug, type_slug in (("workspace-admin", "workspace"), ("billing-admin", None)):
        _ok(
            client.post(
                "/authorization/roles",
                json={
                    "slug": slug,
                    "name": slug,
                    **({"resource_type_slug": type_slug} if type_slug else {}),
                },
            )
        )
    org = _ok(client.post("/organizations", json={"name": "Known"}))["id"]
    other_org = _ok(client.post("/organizations", json={"name": "Other"}))["id"]

    def resource(organization: str, external_id: str, type_slug: str, parent: str | None) -> str:
        body = {
            "external_id": external_id,
            "name": external_id,
            "resource_type_slug": type_slug,
            "organization_id": organization,
            **({"parent_resource_id": parent} if parent else {}),
        }
        return str(_ok(client.post("/authorization/resources", json=body))["id"])

    def membership(email: str, organization: str) -> str:
        user = _ok(client.post("/user_management/users", json={"email": email}))["id"]
        body = {"user_id": user, "organization_id": organization}
        return str(_ok(client.post("/user_management/organization_memberships", json=body))["id"])

    workspace = resource(org, "ws", "workspace", None)
    project = resource(org, "proj", "project", workspace)
    group = _ok(client.post(GROUPS.format(org=org), json={"name": "Known"}))["id"]
    other_group = _ok(client.post(GROUPS.format(org=org), json={"name": "Other"}))["id"]
    member = membership("member@known.test", org)
    _ok(
        client.post(
            MEMBERS.format(org=org, group=group), json={"organization_membership_id": member}
        )
    )
    assignment = _ok(
        client.post(
            ROLES.format(group=group),
            json={"role_slug": "workspace-admin", "resource_id": workspace},
        )
    )["id"]
    return {
        "org": org,
        "other_org": other_org,
        "group": group,
        "other_group": other_group,
        "member": member,
        "outsider": membership("outsider@known.test", org),
        "stranger": membership("stranger@other.test", other_org),
        "workspace": workspace,
        "project": project,
        "foreign_workspace": resource(other_org, "ws", "workspace", None),
        "assignment": assignment,
    }


def everything(client: httpx.Client, world: dict[str, str]) -> dict[str, Any]:
    every = {"limit": 100}
    read = {
        "position": client.get("/health").json()["event_store"]["position"],
        "groups": _ok(client.get(GROUPS.format(**world), params=every)),
        "other_groups": _ok(client.get(GROUPS.format(org=world["other_org"]), params=every)),
    }
    for group in ("group", "other_group"):
        read[f"{group}_members"] = _ok(
            client.get(MEMBERS.format(org=world["org"], group=world[group]), params=every)
        )
        read[f"{group}_roles"] = _ok(client.get(ROLES.format(group=world[group]), params=every))
    for membership in ("member", "outsider", "stranger"):
        read[f"{membership}_groups"] = _ok(
            client.get(f"/user_management/organization_memberships/{world[membership]}/groups")
        )
    assert read["group_members"]["data"]
    assert read["group_roles"]["data"]
    return read


def _fill(value: Any, world: dict[str, str]) -> Any:
    names = {
        **world,
        "unknown_group": UNKNOWN_GROUP,
        "unknown_org": UNKNOWN_ORG,
        "unknown_membership": UNKNOWN_MEMBERSHIP,
        "unknown_resource": UNKNOWN_RESOURCE,
        "unknown_assignment": UNKNOWN_ASSIGNMENT,
    }
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, list):
        return [_fill(v, world) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    return value


def _send(
    client: httpx.Client, world: dict[str, str], method: str, path: str, body: Any
) -> httpx.Response:
    return client.request(method, _fill(path, world), json=_fill(body, world))


# ---------------------------------------------------------------- unknown ids --

NOT_FOUND = [
    ("GET", "/organizations/{org}/groups/{unknown_group}", None),
    ("GET", "/organizations/{other_org}/groups/{group}", None),  # the group is not theirs
    ("PATCH", "/organizations/{other_org}/groups/{group}", {"name": "Stolen"}),
    ("DELETE", "/organizations/{other_org}/groups/{group}", None),
    ("DELETE", "/organizations/{org}/groups/{unknown_group}", None),
    ("GET", "/organizations/{unknown_org}/groups", None),
    ("POST", "/organizations/{unknown_org}/groups", {"name": "Nowhere"}),
    ("GET", "/organizations/{org}/groups/{unknown_group}/organization-memberships", None),
    (
        "POST",
        "/organizations/{org}/groups/{group}/organization-memberships",
        {"organization_membership_id": "{unknown_membership}"},
    ),
    (
        "POST",
        "/organizations/{other_org}/groups/{group}/organization-memberships",
        {"organization_membership_id": "{stranger}"},
    ),
    ("DELETE", "/organizations/{org}/groups/{group}/organization-memberships/{outsider}", None),
    ("DELETE", "/organizations/{org}/groups/{other_group}/organization-memberships/{member}", None),
    ("GET", "/user_management/organization_memberships/{unknown_membership}/groups", None),
    ("GET", "/authorization/groups/{unknown_group}/role_assignments", None),
    (
        "POST",
        "/authorization/groups/{unknown_group}/role_assignments",
        {"role_slug": "billing-admin"},
    ),
    ("GET", "/authorization/groups/{group}/role_assignments/{unknown_assignment}", None),
    ("GET", "/authorization/groups/{other_group}/role_assignments/{assignment}", None),
    ("DELETE", "/authorization/groups/{other_group}/role_assignments/{assignment}", None),
    ("DELETE", "/authorization/groups/{group}/role_assignments/{unknown_assignment}", None),
    ("DELETE", "/authorization/groups/{group}/role_assignments", {"role_slug": "billing-admin"}),
    (
        "DELETE",
        "/authorization/groups/{group}/role_assignments",
        {
            "role_slug": "workspace-admin",
            "resource_external_id": "nope",
            "resource_type_slug": "workspace",
        },
    ),
    (
        "POST",
        "/authorization/groups/{group}/role_assignments",
        {"role_slug": "workspace-admin", "resource_id": "{unknown_resource}"},
    ),
    (
        "POST",
        "/authorization/groups/{group}/role_assignments",
        {"role_slug": "workspace-admin", "resource_id": "{foreign_workspace}"},
    ),
    (
        "PUT",
        "/authorization/groups/{group}/role_assignments",
        {
            "role_assignments": [
                {"role_slug": "workspace-admin", "resource_id": "{unknown_resource}"}
            ]
        },
    ),
]


@pytest.mark.parametrize(("method", "path", "body"), NOT_FOUND)
def test_unknown_ids_and_wrong_organizations(
    client: httpx.Client, world: dict[str, str], method: str, path: str, body: Any
) -> None:
    with nothing_changes(everything, client, world):
        response = _send(client, world, method, path, body)
    assert response.status_code == 404, response.text
    assert set(response.json()) == {"code", "message"}
    assert response.json()["code"] == "entity_not_found"
    assert response.json()["message"]


# ------------------------------------------------------------- refused changes --

REFUSED = [
    (
        "POST",
        MEMBERS,
        {"organization_membership_id": "{stranger}"},
        422,
        "organization_membership_not_in_organization",
        [
            {
                "field": "organization_membership_id",
                "code": "organization_membership_not_in_organization",
            }
        ],
    ),
    (
        "POST",
        ROLES,
        {"role_slug": "workspace-admin", "resource_id": "{workspace}"},
        409,
        "duplicate_group_role_assignment",
        None,
    ),
    (
        "POST",
        ROLES,
        {"role_slug": "workspace-admin", "resource_id": "{project}"},
        422,
        "role_resource_type_mismatch",
        [{"field": "role_slug", "code": "role_resource_type_mismatch"}],
    ),
    (
        "POST",
        ROLES,
        {"role_slug": "workspace-admin"},  # a workspace role needs a workspace
        422,
        "role_resource_type_mismatch",
        [{"field": "role_slug", "code": "role_resource_type_mismatch"}],
    ),
    (
        "POST",
        ROLES,
        {"role_slug": "billing-admin", "resource_id": "{workspace}"},
        422,
        "role_resource_type_mismatch",
        [{"field": "role_slug", "code": "role_resource_type_mismatch"}],
    ),
    (
        "POST",
        ROLES,
        {"role_slug": "nope"},
        422,
        "invalid_role",
        [{"field": "role_slug", "code": "invalid_role"}],
    ),
    (
        "PUT",
        ROLES,
        {"role_assignments": [{"role_slug": "billing-admin"}, {"role_slug": "workspace-admin"}]},
        422,
        "role_resource_type_mismatch",
        [{"field": "role_slug", "code": "role_resource_type_mismatch"}],
    ),
    (
        "PATCH",
        ROLES,
        {
            "add": [{"role_slug": "billing-admin"}],
            "remove": [
                {
                    "role_slug": "billing-admin",
                    "resource_external_id": "{org}",
                    "resource_type_slug": "organization",
                }
            ],
        },
        422,
        "add_and_remove_overlap",
        [{"field": "remove", "code": "add_and_remove_overlap"}],
    ),
    (
        "PATCH",
        MEMBERS,
        {"add": ["{outsider}"], "remove": ["{outsider}"]},
        422,
        "add_and_remove_overlap",
        [{"field": "remove", "code": "add_and_remove_overlap"}],
    ),
    (
        "PATCH",
        MEMBERS,
        {"add": ["{outsider}", "{stranger}"]},  # one bad entry refuses the whole batch
        422,
        "organization_membership_not_in_organization",
        [
            {
                "field": "organization_membership_id",
                "code": "organization_membership_not_in_organization",
            }
        ],
    ),
    (
        "PATCH",
        MEMBERS,
        {"add": [], "remove": []},
        422,
        "invalid_request_parameters",
        [{"field": "add", "code": "out_of_range"}],
    ),
    (
        "PATCH",
        ROLES,
        {},
        422,
        "invalid_request_parameters",
        [{"field": "add", "code": "out_of_range"}],
    ),
    (
        "PATCH",
        MEMBERS,
        {"add": ["{outsider}"] * 60, "remove": ["{member}"] * 41},
        422,
        "invalid_request_parameters",
        [{"field": "add", "code": "out_of_range"}],
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "code", "errors"), REFUSED)
def test_refused_changes(
    client: httpx.Client,
    world: dict[str, str],
    method: str,
    path: str,
    body: Any,
    status: int,
    code: str,
    errors: list[dict[str, str]] | None,
) -> None:
    with nothing_changes(everything, client, world):
        response = _send(client, world, method, path, body)
    assert response.status_code == status, response.text
    expected_keys = {"code", "message"} | ({"errors"} if errors is not None else set())
    assert set(response.json()) == expected_keys
    assert response.json()["code"] == code
    assert response.json()["message"]
    if errors is not None:
        assert response.json()["errors"] == errors


# ----------------------------------------------------- mutually exclusive targets --

BOTH = {
    "role_slug": "workspace-admin",
    "resource_id": "{workspace}",
    "resource_external_id": "ws",
    "resource_type_slug": "workspace",
}
HALF = {"role_slug": "workspace-admin", "resource_external_id": "ws"}


@pytest.mark.parametrize(
    ("method", "body", "errors"),
    [
        (
            "POST",
            BOTH,
            [
                {"field": "resource_id", "code": "mutually_exclusive"},
                {"field": "resource_external_id", "code": "mutually_exclusive"},
                {"field": "resource_type_slug", "code": "mutually_exclusive"},
            ],
        ),
        ("POST", HALF, [{"field": "resource_type_slug", "code": "required"}]),
        (
            "DELETE",
            BOTH,
            [
                {"field": "resource_id", "code": "mutually_exclusive"},
                {"field": "resource_external_id", "code": "mutually_exclusive"},
                {"field": "resource_type_slug", "code": "mutually_exclusive"},
            ],
        ),
        (
            "PUT",
            {"role_assignments": [BOTH]},
            [
                {"field": "resource_id", "code": "mutually_exclusive"},
                {"field": "resource_external_id", "code": "mutually_exclusive"},
                {"field": "resource_type_slug", "code": "mutually_exclusive"},
            ],
        ),
        ("PATCH", {"remove": [HALF]}, [{"field": "resource_type_slug", "code": "required"}]),
    ],
)
def test_a_resource_is_named_by_id_or_by_external_id_never_both(
    client: httpx.Client,
    world: dict[str, str],
    method: str,
    body: Any,
    errors: list[dict[str, str]],
) -> None:
    with nothing_changes(everything, client, world):
        response = _send(client, world, method, ROLES, body)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_request_parameters"
    assert response.json()["errors"] == errors


# ----------------------------------------------------------------- malformed --


def validation_error(*errors: tuple[str, str]) -> dict[str, Any]:
    return {
        "code": "invalid_request_parameters",
        "message": "Validation failed",
        "errors": [{"field": field, "code": code} for field, code in errors],
    }


MALFORMED = [
    ("POST", GROUPS, {}, [("name", "required")]),
    ("POST", GROUPS, {"name": ""}, [("name", "too_short")]),
    ("POST", GROUPS, {"name": "x" * 257}, [("name", "too_long")]),
    ("POST", GROUPS, {"name": "x", "description": "d" * 151}, [("description", "too_long")]),
    ("POST", GROUPS, {"name": 7}, [("name", "invalid_type")]),
    ("POST", GROUPS, {"name": "x", "colour": "red"}, [("colour", "unknown_field")]),
    ("PATCH", GROUP, {"name": "x" * 257}, [("name", "too_long")]),
    ("PATCH", GROUP, {"organization_id": "{other_org}"}, [("organization_id", "unknown_field")]),
    ("POST", MEMBERS, {}, [("organization_membership_id", "required")]),
    (
        "POST",
        MEMBERS,
        {"organization_membership_id": 5},
        [("organization_membership_id", "invalid_type")],
    ),
    ("PATCH", MEMBERS, {"add": "{outsider}"}, [("add", "invalid_type")]),
    ("POST", ROLES, {}, [("role_slug", "required")]),
    ("POST", ROLES, {"role_slug": "x" * 49}, [("role_slug", "too_long")]),
    ("PUT", ROLES, {}, [("role_assignments", "required")]),
    (
        "PUT",
        ROLES,
        {"role_assignments": [{"role_slug": "billing-admin"}] * 101},
        [("role_assignments", "too_long")],
    ),
    ("PATCH", ROLES, {"add": [{"resource_id": "{workspace}"}]}, [("add.0.role_slug", "required")]),
    ("DELETE", ROLES, {}, [("role_slug", "required")]),
]


@pytest.mark.parametrize(("method", "path", "body", "errors"), MALFORMED)
def test_malformed_bodies(
    client: httpx.Client,
    world: dict[str, str],
    method: str,
    path: str,
    body: Any,
    errors: list[tuple[str, str]],
) -> None:
    with nothing_changes(everything, client, world):
        response = _send(client, world, method, path, body)
    assert response.status_code == 422, response.text
    assert response.json() == validation_error(*errors)


@pytest.mark.parametrize("path", [GROUPS, MEMBERS, ROLES])
def test_bodies_that_are_not_json_objects(
    client: httpx.Client, world: dict[str, str], path: str
) -> None:
    url = _fill(path, world)
    with nothing_changes(everything, client, world):
        broken = client.post(
            url, content=b"{not json", headers={"content-type": "application/json"}
        )
        listed = client.post(url, json=["name"])
    assert broken.status_code == 400
    assert broken.json() == {
        "code": "invalid_json",
        "message": "The request body is not valid JSON.",
    }
    assert listed.status_code == 422
    assert listed.json()["code"] == "invalid_request_parameters"
