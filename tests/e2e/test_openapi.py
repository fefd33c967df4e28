"""The OpenAPI document as clients read it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.servers import Server


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as http:
        yield http


def test_every_json_answer_is_documented_by_its_model(client: httpx.Client) -> None:
    """Routes return their public models: no success is documented as a bare object."""
    paths = client.get("/openapi.json").json()["paths"]
    bare = [
        (method, path)
        for path, operations in paths.items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if status.startswith("2")
        and (schema := response.get("content", {}).get("application/json", {}).get("schema"))
        and "$ref" not in schema
    ]
    assert bare == []
