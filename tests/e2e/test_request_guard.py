"""Plain HTTP: what no request may bring in. Text PostgreSQL cannot store (NUL, lone
surrogates) is refused at the edge, naming where it was, and bodies are bounded. Each refusal
changes nothing."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.support import nothing_changes, unique
from tests.servers import Server, embedded_server

LIMIT = 64 * 1024
ORGS = "/organizations"
CHECK = "/authorization/organization_memberships/{}/check"


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[Server]:
    with embedded_server(database_url, max_body_bytes=str(LIMIT)) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as http:
        yield http


def state(client: httpx.Client) -> dict[str, Any]:
    return {
        "position": client.get("/health").json()["event_store"]["position"],
        "organizations": client.get(ORGS, params={"limit": 100}).json(),
    }


def unstorable(*fields: str, where: str = "request body") -> dict[str, Any]:
    return {
        "code": "invalid_request_parameters",
        "message": f"The {where} holds characters that cannot be stored (NUL or lone surrogates).",
        "errors": [{"field": field, "code": "invalid_character"} for field in fields],
    }


def post_raw(client: httpx.Client, path: str, text: str) -> httpx.Response:
    """``text`` sent as it is, JSON escapes and all."""
    return client.post(path, content=text, headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ('{"name": "a\\u0000b"}', ["name"]),
        ('{"name": "Acme", "metadata": {"team": "x\\u0000"}}', ["metadata.team"]),
        ('{"name": "Acme", "metadata": {"te\\u0000am": "x"}}', ["metadata.<key>"]),
        ('{"name": "lone \\ud800 surrogate"}', ["name"]),
        ('{"name": "Acme", "domain_data": [{"domain": "a\\u0000.com"}]}', ["domain_data.0.domain"]),
        ('{"name": "\\u0000", "external_id": "\\udfff"}', ["name", "external_id"]),
    ],
)
def test_unstorable_text_in_a_body_is_refused_naming_the_field(
    client: httpx.Client, body: str, fields: list[str]
) -> None:
    with nothing_changes(state, client):
        response = post_raw(client, ORGS, body)
    assert (response.status_code, response.json()) == (422, unstorable(*fields))


def test_a_surrogate_pair_is_a_character_like_any_other(client: httpx.Client) -> None:
    response = post_raw(client, ORGS, f'{{"name": "Smile \\ud83d\\ude00 {unique("org")}"}}')
    assert response.status_code == 201
    assert response.json()["name"].startswith("Smile \U0001f600 ")


def test_a_raw_nul_byte_is_not_json(client: httpx.Client) -> None:
    with nothing_changes(state, client):
        response = client.post(
            ORGS, content=b'{"name": "a\x00b"}', headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"


def test_a_check_with_unstorable_text_is_refused_before_it_is_answered(
    client: httpx.Client,
) -> None:
    path = CHECK.format("om_01JZZZZZZZZZZZZZZZZZZZZZZZ")
    response = post_raw(client, path, '{"permission_slug": "a\\u0000", "resource_id": "r"}')
    assert (response.status_code, response.json()) == (422, unstorable("permission_slug"))


def test_unstorable_text_in_a_path_or_query_is_refused(client: httpx.Client) -> None:
    for path in ("/organizations/org_%00", "/user_management/users/%ED%A0%80"):
        response = client.get(path)
        assert response.status_code == 404, path
    response = client.get(ORGS, params={"search": "a\x00"})
    assert (response.status_code, response.json()) == (
        400,
        unstorable("search", where="query"),
    )
    with nothing_changes(state, client):
        response = client.delete("/organizations/org_%00")
    assert response.status_code == 404


def test_a_body_over_the_limit_is_refused_as_it_is_declared(client: httpx.Client) -> None:
    too_big = '{"name": "' + "x" * LIMIT + '"}'
    with nothing_changes(state, client):
        response = post_raw(client, ORGS, too_big)
    assert response.status_code == 413
    assert response.json() == {
        "code": "request_too_large",
        "message": f"The request body is larger than {LIMIT} bytes.",
    }


def test_a_body_over_the_limit_is_refused_while_it_streams(client: httpx.Client) -> None:
    """Sent in chunks without a length: the gate stops reading at the limit."""
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        yield b'{"name": "'
        for _ in range(4 * LIMIT // 1024):
            sent += 1024
            yield b"x" * 1024
        yield b'"}'

    with nothing_changes(state, client):
        response = client.post(ORGS, content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_a_body_at_the_limit_is_read(client: httpx.Client) -> None:
    name = unique("org")
    body = '{"name": "' + name + '", "metadata": {"pad": "' + "p" * 500 + '"}}'
    body += " " * (LIMIT - len(body))
    assert len(body) == LIMIT
    response = post_raw(client, ORGS, body)
    assert response.status_code == 201
    assert response.json()["name"] == name


def _rss_mb(server: Server) -> float:
    """The resident memory of the API's process."""
    popen = server.processes["up"].popen
    assert popen is not None
    status = Path(f"/proc/{popen.pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status)[1]) / 1024  # type: ignore[index]


def _upload(server: Server, authorization: str | None, size: int) -> int | None:
    """``size`` bytes streamed to a command route: its status, or None when the server closed
    the connection while the body was still being sent (it had answered already)."""
    headers = {"Content-Type": "application/json"}
    if authorization:
        headers["Authorization"] = authorization

    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(size // (1 << 20)):
            yield b"x" * (1 << 20)
        yield b'"}'

    with httpx.Client(base_url=server.base_url, timeout=60) as http:
        try:
            return http.post(ORGS, content=chunks(), headers=headers).status_code
        except httpx.TransportError:
            return None


def test_a_body_without_a_valid_key_is_not_read(server: Server) -> None:
    """Refused before its body: a declared 100 MB answers at once."""
    for authorization in (None, "Bearer sk_not_a_key_000000000000000"):
        started = time.monotonic()
        status = _upload(server, authorization, 100 << 20)
        assert status in (401, None)
        assert time.monotonic() - started < 5.0
    response = httpx.post(
        server.base_url + ORGS, content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert (response.status_code, response.json()["code"]) == (401, "unauthorized")


def test_twenty_concurrent_100_mb_uploads_leave_the_api_small(server: Server) -> None:
    keys = [f"Bearer {server.api_key}", None] * 10
    with ThreadPoolExecutor(max_workers=len(keys)) as pool:
        statuses = list(pool.map(lambda key: _upload(server, key, 100 << 20), keys))
    assert set(statuses) <= {401, 413, None}
    assert _rss_mb(server) < 300
