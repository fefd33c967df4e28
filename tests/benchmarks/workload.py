"""What the benchmarks send: realistic command bodies and the requests built from them.

An organization is created as WorkOS clients usually do it: a name, one domain, a little
metadata and an external id. The external id makes the command save a uniqueness claim
beside the organization (two events, one extra read), as it does in real use.
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from tests.benchmarks.http_load import Request

USERS = "/user_management/users"
MEMBERSHIPS = "/user_management/organization_memberships"
# A run's values must not collide with an earlier run's on the same database.
RUN = secrets.token_hex(3)


def organization_body(number: int, tag: str) -> dict[str, Any]:
    tag = tag.replace("_", "-")  # the tag goes into a domain name
    return {
        "name": f"Bench {tag} {number}",
        "external_id": f"bench-{RUN}-{tag}-{number}",
        "domain_data": [{"domain": f"b{number}-{tag}-{RUN}.example.com", "state": "pending"}],
        "metadata": {"tier": "enterprise", "region": "eu-west-1"},
    }


def user_body(number: int, tag: str) -> dict[str, Any]:
    tag = tag.replace("_", "-")
    return {
        "email": f"user{number}-{tag}-{RUN}@example.com",
        "first_name": "Bench",
        "last_name": f"User {number}",
    }


def unauthenticated(client: httpx.Client, _: int) -> httpx.Response:
    """The cheapest request the API answers: routing and the auth check, no database."""
    return client.get("/organizations", headers={"Authorization": ""})


def create_organization(tag: str) -> Request:
    def send(client: httpx.Client, number: int) -> httpx.Response:
        return client.post("/organizations", json=organization_body(number, tag))

    return send


def read_organization(organization_ids: list[str], consistency: str | None) -> Request:
    headers = {"X-Idgov-Consistency": consistency} if consistency else {}

    def send(client: httpx.Client, number: int) -> httpx.Response:
        return client.get(
            f"/organizations/{organization_ids[number % len(organization_ids)]}", headers=headers
        )

    return send


def has_routes(client: httpx.Client, *paths: str) -> bool:
    """Whether the server offers POST on every path (areas land at different times)."""
    spec = client.get("/openapi.json").json()
    return all("post" in spec.get("paths", {}).get(path, {}) for path in paths)


class Mix:
    """Organizations, users and memberships in the ratio 1:1:1, as onboarding produces them.

    Memberships join users and organizations created before the clock starts, each pair at
    most once (one membership per user and organization).
    """

    def __init__(self, client: httpx.Client, pairs_needed: int, tag: str) -> None:
        self.tag = tag
        side = 1
        while side * side < pairs_needed:
            side += 1
        self.organizations = [
            self._create(client, "/organizations", organization_body(n, f"{tag}-seed"))
            for n in range(side)
        ]
        self.users = [self._create(client, USERS, user_body(n, f"{tag}-seed")) for n in range(side)]

    @staticmethod
    def _create(client: httpx.Client, path: str, body: dict[str, Any]) -> str:
        response = client.post(path, json=body)
        response.raise_for_status()
        return str(response.json()["id"])

    def request(self, client: httpx.Client, number: int) -> httpx.Response:
        kind, index = number % 3, number // 3
        if kind == 0:
            return client.post("/organizations", json=organization_body(index, self.tag))
        if kind == 1:
            return client.post(USERS, json=user_body(index, self.tag))
        side = len(self.users)
        pair = {
            "user_id": self.users[index % side],
            "organization_id": self.organizations[index // side],
        }
        return client.post(MEMBERSHIPS, json=pair)
