"""The OpenAPI document as clients read it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

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


@pytest.fixture(scope="module")
def document(client: httpx.Client) -> dict[str, Any]:
    return dict(client.get("/openapi.json").json())


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


def test_errors_are_documented_in_the_shape_they_are_answered(document: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in document["components"]["schemas"]
    body = document["components"]["schemas"]["ErrorBody"]
    assert body["required"] == ["code", "message"]
    for method, path, operation in operations(document):
        if not operation.get("security"):
            continue  # /health, whose 503 tells what it could not read
        errors = {s: r for s, r in operation["responses"].items() if s.startswith(("4", "5"))}
        for status, response in errors.items():
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, status)
            assert response["content"]["application/json"]["example"]["code"]
        assert {"400", "401", "403", "422", "503"} <= set(errors), (method, path)
        if method in ("post", "put", "patch", "delete"):
            assert "413" in errors, (method, path)
    create = document["paths"]["/organizations"]["post"]["responses"]
    assert {"404", "409", "413"} <= set(create)
    assert "Retry-After" in create["503"]["headers"]


def test_every_operation_and_parameter_is_described_with_an_example(
    document: dict[str, Any],
) -> None:
    undescribed = [(m, p) for m, p, op in operations(document) if not op.get("description")]
    assert undescribed == []
    parameters = [
        (method, path, parameter["name"])
        for method, path, operation in operations(document)
        for parameter in operation.get("parameters", [])
        if not parameter.get("description") or "example" not in parameter
    ]
    assert parameters == []


def test_every_field_of_every_model_is_described(document: dict[str, Any]) -> None:
    undescribed = [
        (name, field)
        for name, schema in document["components"]["schemas"].items()
        for field, spec in schema.get("properties", {}).items()
        if not spec.get("description")
    ]
    assert undescribed == []


def test_the_idgov_headers_are_documented(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        assert "X-Request-Id" in headers, (method, path)
        for status, response in operation["responses"].items():
            assert "X-Request-Id" in response["headers"], (method, path, status)
    create = document["paths"]["/organizations"]["post"]
    assert "X-Idgov-Reason" in {p["name"] for p in create["parameters"]}
    assert "X-Idgov-Consistency-Token" in create["responses"]["201"]["headers"]
    read = document["paths"]["/organizations/{organization_id}"]["get"]
    assert "X-Idgov-Read-Position" in read["responses"]["200"]["headers"]


def test_answers_without_a_body_are_documented_without_one(document: dict[str, Any]) -> None:
    bodyless = [
        (method, path, status)
        for method, path, operation in operations(document)
        for status, response in operation["responses"].items()
        if status in ("202", "204") and "content" in response
    ]
    assert bodyless == []
    deleted = document["paths"]["/organizations/{organization_id}"]["delete"]["responses"]
    assert "202" in deleted


@pytest.mark.parametrize(
    "path",
    [
        "/organizations",
        "/authorization/organization_memberships/om_01JZZZZZZZZZZZZZZZZZZZZZZZ/check",
    ],
)
def test_a_body_that_is_not_utf8_is_invalid_json_everywhere(
    client: httpx.Client, path: str
) -> None:
    response = client.post(
        path, content=b'{"name": "\xff"}', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_json",
        "message": "The request body is not valid JSON.",
    }


def test_a_wrong_method_names_every_method_of_its_path(client: httpx.Client) -> None:
    response = client.patch("/organizations")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST"


def test_the_docs_load_with_no_network(client: httpx.Client) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        sources = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
        sources += re.findall(r"""url: *['"]([^'"]+)['"]""", html)
        assert sources, page
        for source in sources:
            assert source.startswith("/"), (page, source)  # nothing from another host
            assert client.get(source).status_code == 200, (page, source)
