"""Plain HTTP: ``Idempotency-Key`` on command POSTs. A retry answers the first answer and
commits nothing, whatever happened to the first answer; the key is the caller's, bound to one
request, and kept for a day."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from api.idempotency import fingerprint, lock_id
from domain.events import SYSTEM, EventContext
from domain.store import RECORDED_WITH
from idgov.bootstrap import System
from tests.e2e.support import unique
from tests.integration.support import open_system
from tests.servers import Server

ORGS = "/organizations"
CONTEXT = EventContext(actor=SYSTEM, source="system")


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as http:
        yield http


@pytest.fixture(scope="module")
def system(database_url: str) -> Iterator[System]:
    with open_system(database_url) as opened:
        yield opened


def position(client: httpx.Client) -> int:
    head: int = client.get("/health").json()["event_store"]["position"]
    return head


def create(client: httpx.Client, key: str, name: str, path: str = ORGS) -> httpx.Response:
    return client.post(path, json={"name": name}, headers={"Idempotency-Key": key})


def test_a_retry_answers_the_first_answer_and_commits_nothing(client: httpx.Client) -> None:
    key = str(uuid.uuid4())
    first = create(client, key, unique("Replayed"))
    assert first.status_code == 201
    assert "Idempotency-Replayed" not in first.headers
    committed = position(client)

    retry = create(client, key, first.json()["name"])

    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["X-Idgov-Consistency-Token"] == first.headers["X-Idgov-Consistency-Token"]
    assert retry.headers["Idempotency-Replayed"] == "true"
    assert retry.headers["X-Request-Id"] != first.headers["X-Request-Id"]
    assert position(client) == committed


def test_the_same_key_for_another_request_is_refused(client: httpx.Client) -> None:
    key = str(uuid.uuid4())
    name = unique("Reused")
    first = create(client, key, name)
    assert first.status_code == 201
    committed = position(client)

    other_body = create(client, key, unique("Other"))
    other_path = create(client, key, name, path="/user_management/users")

    for refused in (other_body, other_path):
        assert refused.status_code == 422
        assert refused.json()["code"] == "idempotency_key_reused"
    assert position(client) == committed


def test_a_key_in_flight_answers_409_until_the_first_request_ends(
    client: httpx.Client, system: System, database_url: str
) -> None:
    key = str(uuid.uuid4())
    scope = caller(system, client)
    with psycopg.connect(database_url, autocommit=True) as first_request:
        first_request.execute("SELECT pg_advisory_lock(%s)", (lock_id(scope, key),))
        in_flight = create(client, key, unique("InFlight"))
        assert in_flight.status_code == 409
        assert in_flight.json()["code"] == "idempotency_key_in_flight"
        assert in_flight.headers["Retry-After"] == "1"
    assert create(client, key, unique("InFlight")).status_code == 201


def test_keys_are_scoped_to_the_api_key(client: httpx.Client, system: System) -> None:
    key = str(uuid.uuid4())
    name = unique("Scoped")
    mine = create(client, key, name)
    _, secret = system.commands.api_keys.create_api_key(CONTEXT, name=unique("other"))

    theirs = client.post(
        ORGS,
        json={"name": name},
        headers={"Idempotency-Key": key, "Authorization": f"Bearer {secret}"},
    )

    assert theirs.status_code == 201
    assert "Idempotency-Replayed" not in theirs.headers
    assert theirs.json()["id"] != mine.json()["id"]


def test_an_expired_key_runs_the_command_again(client: httpx.Client, database_url: str) -> None:
    key = str(uuid.uuid4())
    name = unique("Expired")
    first = create(client, key, name)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE idempotency_keys SET created_at = now() - interval '24 hours 1 second' "
            "WHERE key = %s",
            (key,),
        )

    again = create(client, key, name)

    assert again.status_code == 201
    assert "Idempotency-Replayed" not in again.headers
    assert again.json()["id"] != first.json()["id"]
    assert create(client, key, name).json() == again.json()  # the new answer is kept


def test_a_refusal_is_not_remembered(client: httpx.Client) -> None:
    key = str(uuid.uuid4())
    refused = client.post(ORGS, json={"name": ""}, headers={"Idempotency-Key": key})
    assert refused.status_code == 422
    assert create(client, key, unique("Fixed")).status_code == 201


@pytest.mark.parametrize("key", [b"", b"with space", "é".encode(), b"k" * 256])
def test_a_malformed_key_is_refused(client: httpx.Client, key: bytes) -> None:
    committed = position(client)
    refused = client.post(ORGS, json={"name": "Malformed"}, headers={"Idempotency-Key": key})
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid_idempotency_key"
    assert position(client) == committed


def test_checks_ignore_the_header(client: httpx.Client) -> None:
    check = "/authorization/organization_memberships/om_missing/check"
    key = str(uuid.uuid4())
    for header, body in ((key, {"permission_slug": "a:b"}), (key, {}), ("not valid", {})):
        answer = client.post(check, json=body, headers={"Idempotency-Key": header})
        assert answer.status_code in (404, 422)
        assert not answer.json()["code"].startswith(("idempotency", "invalid_idempotency"))
        assert "Idempotency-Replayed" not in answer.headers


def test_a_command_whose_answer_was_lost_is_not_run_again(
    client: httpx.Client, system: System
) -> None:
    """The process died after the commit, before its answer: the retry finds the key the
    commit recorded and runs nothing."""
    key = str(uuid.uuid4())
    name = unique("Lost")
    body = json.dumps({"name": name}).encode()
    request = {
        "scope": caller(system, client),
        "key": key,
        "fingerprint": fingerprint("POST", ORGS, b"", body),
    }
    recording = RECORDED_WITH.set({"idempotency": request})
    try:
        lost = system.commands.organizations.create_organization(CONTEXT, name=name)
    finally:
        RECORDED_WITH.reset(recording)
    committed = position(client)

    retry = client.post(
        ORGS,
        content=body,
        headers={"Idempotency-Key": key, "Content-Type": "application/json"},
    )

    assert retry.status_code == 409
    assert retry.json()["code"] == "idempotency_answer_lost"
    assert retry.headers["X-Idgov-Consistency-Token"] == str(lost.position)
    assert position(client) == committed
    named = client.get(ORGS, params={"limit": 100}).json()["data"]
    assert [org["id"] for org in named if org["name"] == name] == [lost.value.id]


def caller(system: System, client: httpx.Client) -> str:
    """The id of the API key ``client`` sends."""
    secret = client.headers["Authorization"].removeprefix("Bearer ")
    key = system.commands.api_keys.authenticate(secret)
    assert key is not None
    return key.id


def test_the_header_is_documented_on_every_command_post(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    posts = {path: ops["post"] for path, ops in paths.items() if "post" in ops}
    keyed = {
        path
        for path, post in posts.items()
        if any(p["name"] == "Idempotency-Key" for p in post.get("parameters", []))
    }
    assert keyed == {path for path in posts if not path.endswith(("/check", "/check/batch"))}
    assert len(keyed) == 16  # the 14 WorkOS command POSTs and the two of /api_keys
