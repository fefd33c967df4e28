"""API keys over HTTP: scopes and organization restrictions held on every route (the check lane
and the guard in front of bodies included), keys made, listed and revoked, and revocation
effective at once through the process that revoked, within the cache TTL elsewhere."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from workos import WorkOSClient

from tests.e2e.support import create_member, unique, workos_client
from tests.e2e.test_up_lifecycle import _up, data_dir  # noqa: F401 (a fixture)
from tests.integration.support import wait_until
from tests.servers import IDGOV, Server, embedded_server

TTL_MS = 10_000  # long enough that a key revoked elsewhere is surely still trusted at first


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[Server]:
    with embedded_server(database_url, api_key_cache_ms=str(TTL_MS)) as running:
        yield running


@pytest.fixture(scope="module")
def workos(server: Server) -> WorkOSClient:
    return workos_client(server)


@pytest.fixture(scope="module")
def acme(server: Server, workos: WorkOSClient) -> dict[str, str]:
    """Two organizations, a member of each, and a resource in the first."""
    slug = unique("doc").replace("-", "_")
    with server.client() as admin:
        body = {"slug": slug, "name": "Doc", "parent_type_slugs": ["organization"]}
        assert admin.post("/authorization/resource_types", json=body).status_code == 201
    ours = workos.organizations.create_organization(name=unique("ours")).id
    theirs = workos.organizations.create_organization(name=unique("theirs")).id
    resource = workos.authorization.create_resource(
        external_id="plan", name="plan", resource_type_slug=slug, organization_id=ours
    ).id
    return {
        "ours": ours,
        "theirs": theirs,
        "our_member": create_member(workos, ours, unique("a") + "@example.com"),
        "their_member": create_member(workos, theirs, unique("b") + "@example.com"),
        "resource": resource,
    }


def new_key(server: Server, scopes: list[str], organization_ids: tuple[str, ...] = ()) -> Any:
    with server.client() as admin:
        body = {"name": unique("key"), "scopes": scopes, "organization_ids": list(organization_ids)}
        created = admin.post("/api_keys", json=body)
    assert created.status_code == 201, created.text
    return created.json()


def as_key(server: Server, secret: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {secret}"}, timeout=30
    )


def check(http: httpx.Client, membership: str, resource: str) -> httpx.Response:
    body = {"permission_slug": "doc:read", "resource_id": resource}
    return http.post(f"/authorization/organization_memberships/{membership}/check", json=body)


def assert_insufficient(response: httpx.Response, needed: str) -> None:
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["code"] == "insufficient_scope"
    assert body["message"]
    assert body["errors"] == [{"field": "scopes", "code": "insufficient_scope", "needed": needed}]


def organization_names(server: Server) -> list[str]:
    with server.client() as admin:
        return [
            o["name"] for o in admin.get("/organizations", params={"limit": 100}).json()["data"]
        ]


def test_a_read_key_reads_and_checks_but_changes_nothing(
    server: Server, acme: dict[str, str]
) -> None:
    key = new_key(server, ["read"])
    assert key["scopes"] == ["read"]
    assert key["secret"].startswith("sk_")
    before = organization_names(server)
    with as_key(server, key["secret"]) as reader:
        assert reader.get(f"/organizations/{acme['ours']}").status_code == 200
        assert reader.get("/authorization/roles").status_code == 200
        for _ in range(2):  # the route, then the lane once the key is remembered
            answered = check(reader, acme["our_member"], acme["resource"])
            assert answered.status_code == 200, answered.text
        batch = {
            "checks": [
                {
                    "organization_membership_id": acme["our_member"],
                    "permission_slug": "doc:read",
                    "resource_id": acme["resource"],
                }
            ]
        }
        assert reader.post("/authorization/check/batch", json=batch).status_code == 200
        assert_insufficient(reader.post("/organizations", json={"name": "Nope"}), "admin")
        assert_insufficient(reader.delete(f"/organizations/{acme['ours']}"), "admin")
        assert_insufficient(reader.get("/api_keys"), "admin")
    assert organization_names(server) == before


def test_an_audit_key_alone_reads_no_directory_and_checks_nothing(
    server: Server, acme: dict[str, str]
) -> None:
    key = new_key(server, ["audit:read"])
    with as_key(server, key["secret"]) as auditor:
        assert_insufficient(auditor.get(f"/organizations/{acme['ours']}"), "read")
        for _ in range(2):
            assert_insufficient(check(auditor, acme["our_member"], acme["resource"]), "read")


def test_a_restricted_key_sees_and_changes_its_organizations_only(
    server: Server, acme: dict[str, str]
) -> None:
    key = new_key(server, ["admin"], (acme["ours"],))
    assert key["organization_ids"] == [acme["ours"]]
    ours, theirs = acme["ours"], acme["theirs"]
    memberships = "/user_management/organization_memberships"
    before = organization_names(server)
    with as_key(server, key["secret"]) as restricted:
        assert restricted.get(f"/organizations/{ours}").status_code == 200
        assert restricted.get(memberships, params={"organization_id": ours}).status_code == 200
        for _ in range(2):
            assert check(restricted, acme["our_member"], acme["resource"]).status_code == 200
            refused = check(restricted, acme["their_member"], acme["resource"])
            assert refused.status_code == 404, refused.text
            assert refused.json()["code"] == "entity_not_found"
        assert restricted.get(f"/organizations/{theirs}").status_code == 404
        assert restricted.get(memberships, params={"organization_id": theirs}).status_code == 404
        assert restricted.get(f"{memberships}/{acme['their_member']}").status_code == 404
        renamed = restricted.put(f"/organizations/{theirs}", json={"name": "Taken Over"})
        assert renamed.status_code == 404
        joined = restricted.post(
            memberships, json={"organization_id": theirs, "user_id": "user_01ANY"}
        )
        assert joined.status_code == 404
        batch = {
            "checks": [
                {
                    "organization_membership_id": m,
                    "permission_slug": "doc:read",
                    "resource_id": acme["resource"],
                }
                for m in (acme["our_member"], acme["their_member"])
            ]
        }
        assert restricted.post("/authorization/check/batch", json=batch).status_code == 404
        assert_insufficient(restricted.get("/organizations"), "organization")
        assert_insufficient(restricted.post("/organizations", json={"name": "New"}), "organization")
        assert_insufficient(restricted.get("/authorization/roles"), "organization")
        assert_insufficient(restricted.get("/api_keys"), "organization")
    assert organization_names(server) == before


def test_keys_are_listed_without_secrets_and_revoked_at_once_through_this_process(
    server: Server,
) -> None:
    key = new_key(server, ["read"])
    with as_key(server, key["secret"]) as reader:
        assert reader.get("/authorization/roles").status_code == 200  # remembered from now
        with server.client() as admin:
            listed = admin.get("/api_keys")
            assert listed.status_code == 200
            assert key["secret"] not in listed.text
            (shown,) = [k for k in listed.json()["data"] if k["id"] == key["id"]]
            assert shown["revoked"] is False
            assert "secret" not in shown
            revoked = admin.post(f"/api_keys/{key['id']}/revoke")
            assert revoked.status_code == 200, revoked.text
            assert revoked.json()["revoked"] is True
        refused = reader.get("/authorization/roles")
        assert refused.status_code == 401, "a key revoked here is refused at once"
    assert key["secret"] not in server.processes["up"].tail(1000)


def test_a_key_revoked_by_another_process_is_refused_within_the_cache_ttl(
    server: Server,
) -> None:
    key = new_key(server, ["read"])
    with as_key(server, key["secret"]) as reader:
        assert reader.get("/authorization/roles").status_code == 200
        revoked = subprocess.run(
            [IDGOV, "keys", "revoke", key["id"]], env=server.env, capture_output=True, text=True
        )
        assert revoked.returncode == 0, revoked.stderr
        assert reader.get("/authorization/roles").status_code == 200  # trusted until its TTL
        wait_until(
            lambda: reader.get("/authorization/roles").status_code == 401,
            TTL_MS / 1000 + 2,
            "the revoked key to be refused",
            interval=0.5,
        )


def test_a_key_is_made_with_a_scope_and_organizations_that_exist(server: Server) -> None:
    with server.client() as admin:
        for body, field in (
            ({"name": "none", "scopes": []}, "scopes"),
            ({"name": "odd", "scopes": ["write"]}, "scopes.0"),
            (
                {"name": "lost", "scopes": ["read"], "organization_ids": ["org_missing"]},
                "organization_ids",
            ),
        ):
            refused = admin.post("/api_keys", json=body)
            assert refused.status_code == 422, refused.text
            assert [e["field"] for e in refused.json()["errors"]] == [field]


def idgov(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([IDGOV, *args], env=env, capture_output=True, text=True, timeout=120)


def test_key_commands_run_beside_a_running_idgov_on_its_data_dir(data_dir: Path) -> None:  # noqa: F811
    server = _up(data_dir)
    try:
        server.wait_healthy(timeout=120)
        made = idgov(server.env, "keys", "create", "--name", "reader", "--scope", "read")
        assert made.returncode == 0, made.stderr
        key_id, secret = made.stdout.split()
        with as_key(server, secret) as reader:
            assert reader.get("/authorization/roles").status_code == 200
            assert_insufficient(reader.post("/organizations", json={"name": "No"}), "admin")
        listed = idgov(server.env, "keys", "list")
        assert listed.returncode == 0, listed.stderr
        assert key_id in listed.stdout
        assert secret not in listed.stdout
        assert idgov(server.env, "keys", "revoke", key_id).returncode == 0
        unknown = idgov(server.env, "keys", "revoke", "key_01UNKNOWN")
        assert unknown.returncode == 1
        assert "API key not found" in unknown.stderr
    finally:
        server.stop()
