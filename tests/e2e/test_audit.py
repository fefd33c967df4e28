"""The audit log through the API: who did what for whom, from where and why, with before and
after; filters and paging answer exactly; a malformed ``X-Idgov-Actor`` changes nothing."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.support import unique
from tests.servers import IDGOV, Server

AUDIT = "/audit/events"
ORGS = "/organizations"
USERS = "/user_management/users"
MEMBERSHIPS = "/user_management/organization_memberships"
ON_BEHALF_OF = "X-Idgov-Actor"


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as http:
        yield http


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.is_success, response.text
    return response.json() if response.content else {}


@pytest.fixture(scope="module")
def story(client: httpx.Client) -> dict[str, Any]:
    """A series of changes made by the tests' key, acting for Alice from one client."""
    alice = {ON_BEHALF_OF: "user:user_alice", "User-Agent": "audit-tests/1"}
    for slug in ("viewer", "editor"):
        client.post("/authorization/roles", json={"slug": slug, "name": slug.title()})
    _ok(client.post("/authorization/resource_types", json={"slug": "doc", "name": "Doc"}))
    _ok(
        client.post(
            "/authorization/roles",
            json={"slug": "doc-reader", "name": "Reader", "resource_type_slug": "doc"},
        )
    )
    org = _ok(client.post(ORGS, json={"name": unique("Umbrella")}, headers=alice))
    user = _ok(client.post(USERS, json={"email": f"{unique('ada')}@example.com"}, headers=alice))
    membership = _ok(
        client.post(
            MEMBERSHIPS,
            json={"user_id": user["id"], "organization_id": org["id"], "role_slug": "viewer"},
            headers=alice,
        )
    )
    _ok(
        client.put(
            f"{MEMBERSHIPS}/{membership['id']}",
            json={"role_slug": "editor"},
            headers={**alice, "X-Idgov-Reason": "promoted"},
        )
    )
    renamed = unique("Umbrella Corp")
    _ok(client.put(f"{ORGS}/{org['id']}", json={"name": renamed}, headers=alice))
    resource = _ok(
        client.post(
            "/authorization/resources",
            json={
                "external_id": unique("doc"),
                "name": "Plans",
                "resource_type_slug": "doc",
                "organization_id": org["id"],
            },
        )
    )
    path = f"/authorization/organization_memberships/{membership['id']}/role_assignments"
    assignment = _ok(
        client.post(path, json={"role_slug": "doc-reader", "resource_id": resource["id"]})
    )
    _ok(client.delete(f"{path}/{assignment['id']}", headers=alice))
    _ok(client.put(f"{MEMBERSHIPS}/{membership['id']}/deactivate", headers=alice))
    _ok(client.delete(f"{MEMBERSHIPS}/{membership['id']}", headers=alice))
    return {
        "org": org,
        "user": user,
        "membership": membership,
        "resource": resource,
        "assignment": assignment,
        "renamed": renamed,
    }


def _list(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    events = _ok(client.get(AUDIT, params={"order": "asc", "limit": 100, **params}))["data"]
    return list(events)


def test_the_organization_s_history_reads_on_its_own(
    client: httpx.Client, story: dict[str, Any]
) -> None:
    org, membership, user = story["org"], story["membership"], story["user"]
    events = _list(client, organization_id=org["id"])
    by_type = {e["event_type"]: e for e in events}
    assert [int(e["id"]) for e in events] == sorted(int(e["id"]) for e in events)
    assert [e["event_type"] for e in events] == [
        "organization.created",
        "resource.created",  # the organization's root resource
        "organization_membership.created",
        "organization_membership.roles_changed",
        "organization.renamed",
        "resource.renamed",  # the root follows its organization's name
        "resource.created",
        "role_assignment.created",
        "role_assignment.removed",
        "organization_membership.deactivated",
        "organization_membership.deleted",
    ]
    changed = by_type["organization_membership.roles_changed"]
    assert changed["changes"]["role_slugs"] == {"before": ["viewer"], "after": ["editor"]}
    assert changed["reason"] == "promoted"
    assert changed["actor"]["type"] == "api_key"
    assert changed["on_behalf_of"] == {"type": "user", "id": "user_alice", "name": None}
    assert (changed["source"], changed["user_agent"]) == ("api", "audit-tests/1")
    assert changed["client_ip"] == "127.0.0.1"
    assert changed["request_id"].startswith("req_")
    assert changed["outcome"] == "succeeded"
    renamed = by_type["organization.renamed"]
    assert renamed["changes"]["name"] == {"before": org["name"], "after": story["renamed"]}
    # Targets are named as they were then: before the rename, the organization's old name.
    named = {t["id"]: t["name"] for t in changed["targets"]}
    assert named == {
        membership["id"]: user["email"],
        user["id"]: user["email"],
        org["id"]: org["name"],
    }
    removed = by_type["role_assignment.removed"]
    assert removed["changes"]["resource_id"] == {"before": story["resource"]["id"], "after": None}
    assert removed["changes"]["role_slug"] == {"before": "doc-reader", "after": None}
    assert {t["name"] for t in removed["targets"]} >= {"Plans", user["email"], story["renamed"]}
    assert removed["on_behalf_of"]["id"] == "user_alice"
    assert by_type["role_assignment.created"]["on_behalf_of"] is None  # sent without the header
    deleted = by_type["organization_membership.deleted"]
    assert deleted["changes"]["role_slugs"] == {"before": ["editor"], "after": None}
    assert deleted["changes"]["user_id"] == {"before": user["id"], "after": None}


def test_filters_answer_exactly(client: httpx.Client, story: dict[str, Any]) -> None:
    org, membership = story["org"], story["membership"]
    everything = _list(client, organization_id=org["id"])
    ids = [e["id"] for e in everything]

    def found(**params: Any) -> list[str]:
        return [e["id"] for e in _list(client, organization_id=org["id"], **params)]

    types = "organization_membership.deleted,organization.renamed"
    assert found(event_type=types) == [
        e["id"] for e in everything if e["event_type"] in types.split(",")
    ]
    assert found(target=membership["id"]) == [
        e["id"] for e in everything if membership["id"] in {t["id"] for t in e["targets"]}
    ]
    alice = [e["id"] for e in everything if e["on_behalf_of"]]
    assert found(actor="user_alice") == alice
    without = [e["event_type"] for e in everything if not e["on_behalf_of"]]
    assert without == ["resource.created", "role_assignment.created"]  # sent without it
    assert found(actor=everything[0]["actor"]["id"]) == ids
    # Free text finds the events that named the organization's first name, the renames of it
    # and of its root resource included, and no later one.
    assert found(q=org["name"]) == ids[:6]
    middle = everything[4]["occurred_at"]
    assert found(occurred_after=middle) == ids[4:]
    assert found(occurred_before=middle) == ids[:4]
    assert _list(client, q="nobody-is-called-this") == []


def test_paging_walks_every_event_once_in_both_orders(
    client: httpx.Client, story: dict[str, Any]
) -> None:
    org = story["org"]
    everything = [e["id"] for e in _list(client, organization_id=org["id"])]
    for order, expected in (("asc", everything), ("desc", everything[::-1])):
        seen: list[str] = []
        after = None
        while True:
            params = {"organization_id": org["id"], "limit": 3, "order": order}
            body = _ok(client.get(AUDIT, params={**params, **({"after": after} if after else {})}))
            seen += [e["id"] for e in body["data"]]
            after = body["list_metadata"]["after"]
            if after is None:
                break
        assert seen == expected
    response = client.get(AUDIT, params={"after": "not-a-position"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "after", "code": "invalid_format"}]


@pytest.mark.parametrize(
    "header",
    ["alice", "user:", "robot:r1", "user:has space", "user:" + "x" * 256, "user:caf\u00e9"],
)
def test_a_malformed_acting_principal_is_refused_and_changes_nothing(
    client: httpx.Client, story: dict[str, Any], header: str
) -> None:
    before = client.get(AUDIT, params={"limit": 1}).json()["data"]
    response = client.post(
        ORGS,
        json={"name": unique("Refused")},
        headers={ON_BEHALF_OF.encode(): header.encode("utf-8")},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_request_parameters"
    assert body["errors"] == [{"field": ON_BEHALF_OF, "code": "invalid_format"}]
    assert client.get(AUDIT, params={"limit": 1}).json()["data"] == before


def test_the_command_line_prints_the_same_records(
    server: Server, client: httpx.Client, story: dict[str, Any]
) -> None:
    org = story["org"]
    types = "organization_membership.roles_changed,role_assignment.removed"
    listed = _list(client, organization_id=org["id"], event_type=types)
    printed = subprocess.run(
        [
            IDGOV,
            "audit",
            "events",
            "--org",
            org["id"],
            "--type",
            types.split(",")[0],
            "--type",
            types.split(",")[1],
            "--since",
            listed[0]["occurred_at"],
        ],
        env=server.env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert [json.loads(line) for line in printed.splitlines()] == listed
