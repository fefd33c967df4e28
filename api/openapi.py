"""The OpenAPI document, completed in one place from what every route shares.

FastAPI documents what a route declares: its parameters, body and success. What every route
has in common is added here, from the shape of each operation, so a new route is documented
by being declared:

- the errors it can answer (``ERRORS``: which operations answer each status, with the one
  error body, ``ErrorBody``), in place of FastAPI's ``HTTPValidationError``;
- the headers it reads and answers (``REQUEST_HEADERS``, ``RESPONSE_HEADERS``);
- a description and an example for every parameter, from ``api.models.glossary``;
- no body for a success that answers none (a route returning a bare ``Response``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api import idempotency
from api.context import ON_BEHALF_OF, READ_POSITION, REASON, REQUEST_ID
from api.deps import CONSISTENCY, TOKEN
from api.guard import WITH_BODY
from api.models.errors import ErrorBody, FieldError
from api.models.glossary import PARAMETERS, PROPERTIES

SCHEMAS = "#/components/schemas/"


@dataclass(frozen=True)
class Operation:
    """One operation of the document, by what it needs: a key, a body, a read model."""

    method: str
    path: str
    spec: dict[str, Any]

    @property
    def authenticated(self) -> bool:
        return bool(self.spec.get("security"))

    @property
    def changes(self) -> bool:
        """A command (checks, which change nothing, are POSTs without a consistency token)."""
        return self.authenticated and self.method.upper() in WITH_BODY and not self.reads

    @property
    def takes_body(self) -> bool:
        return self.method.upper() in WITH_BODY

    @property
    def reads(self) -> bool:
        return any(p["name"] == CONSISTENCY for p in self.spec.get("parameters", []))

    @property
    def names_objects(self) -> bool:
        """It names objects that may not exist: in its path, or in its body."""
        return "{" in self.path or "requestBody" in self.spec


@dataclass(frozen=True)
class Answer:
    """An error status, which operations can answer it, and an example of it."""

    description: str
    applies: Callable[[Operation], bool]
    example: dict[str, Any]


ERRORS: dict[int, Answer] = {
    400: Answer(
        "Bad request: a body that is not JSON (`invalid_json`), query text that cannot be"
        f" stored, a `{TOKEN}` no commit has reached (`invalid_consistency_token`), or a rule"
        " of the operation broken.",
        lambda op: op.authenticated,
        {"code": "invalid_json", "message": "The request body is not valid JSON."},
    ),
    401: Answer(
        "No API key, or one idgov does not know (`unauthorized`).",
        lambda op: op.authenticated,
        {"code": "unauthorized", "message": "Invalid API key."},
    ),
    403: Answer(
        "The API key may not do this (`insufficient_scope`).",
        lambda op: op.authenticated,
        {"code": "insufficient_scope", "message": "The API key may not do this."},
    ),
    404: Answer(
        "An object the request names does not exist (`not_found`, or a more precise code).",
        lambda op: op.authenticated and op.names_objects,
        {"code": "not_found", "message": "Organization not found: 'org_01H…'."},
    ),
    409: Answer(
        "The change conflicts with the current state: a unique value already taken, or a"
        " concurrent change (`concurrent_modification`).",
        lambda op: op.changes,
        {"code": "external_id_taken", "message": "External id 'acme' is already taken."},
    ),
    413: Answer(
        "The body is larger than the server's limit (`request_too_large`).",
        lambda op: op.takes_body,
        {"code": "request_too_large", "message": "The request body is larger than 1048576 bytes."},
    ),
    422: Answer(
        "Invalid input (`invalid_request_parameters` or a more precise code), each field at"
        " fault named in `errors`; nothing was changed.",
        lambda op: op.authenticated,
        {
            "code": "invalid_request_parameters",
            "message": "Validation failed",
            "errors": [{"field": "name", "code": "required"}],
        },
    ),
    503: Answer(
        "Not now: the read model did not catch up in time (`consistency_timeout`, with its"
        " `projection` and `position`), or every database connection is busy (`server_busy`)."
        " Retry after `Retry-After` seconds.",
        lambda op: op.authenticated,
        {"code": "server_busy", "message": "Every database connection is busy; retry shortly."},
    ),
}


@dataclass(frozen=True)
class Header:
    name: str
    description: str
    applies: Callable[[Operation], bool]
    schema: dict[str, Any]
    example: str


REQUEST_HEADERS = (
    Header(
        REQUEST_ID,
        "Your id for this request: logged with it, kept in its events and answered back."
        " Without it, idgov makes one.",
        lambda op: True,
        {"type": "string"},
        "req_7f3c2e",
    ),
    Header(
        REASON,
        "Why the change is made, kept with its events for auditors (UTF-8, at most 1,000"
        " characters).",
        lambda op: op.changes,
        {"type": "string", "maxLength": 1000},
        "Quarterly access review",
    ),
    Header(
        ON_BEHALF_OF,
        "Whom the calling application acts for, as `<kind>:<id>` (kind `user`, `directory` or"
        " `system`; the id 1 to 255 printable ASCII characters), kept in the change's events"
        " beside the API key; anything else answers 422.",
        lambda op: op.changes,
        {"type": "string", "pattern": "^(user|directory|system):[\\x21-\\x7e]{1,255}$"},
        "user:user_01HXYZ7Q4RVB3N0M6C8D2E5F9G",
    ),
    Header(
        idempotency.HEADER,
        "A unique key for this request (1 to 255 visible ASCII characters; a UUID). A retry"
        " with the same key, API key and request answers the first answer with"
        f" `{idempotency.REPLAYED}: true` and commits nothing; kept 24 hours by default.",
        lambda op: op.changes and op.method.upper() == "POST",
        {"type": "string", "pattern": idempotency.KEY_PATTERN, "maxLength": 255},
        "5f0c8a3e-7d3b-4f0e-9f59-2b1c7a6e4d21",
    ),
)

RESPONSE_HEADERS = (
    Header(
        REQUEST_ID,
        "The request's id: the one sent, or the one idgov made.",
        lambda op: True,
        {"type": "string"},
        "req_7f3c2e",
    ),
    Header(
        TOKEN,
        "The event-store position of the change: send it back with"
        f" `{CONSISTENCY}: at_least_as_fresh` to read what it changed.",
        lambda op: op.changes,
        {"type": "string", "pattern": r"^\d+$"},
        "4211",
    ),
    Header(
        READ_POSITION,
        "The event-store position the read model answered at.",
        lambda op: op.reads,
        {"type": "string", "pattern": r"^\d+$"},
        "4211",
    ),
)

RETRY_AFTER = {
    "description": "Seconds to wait before retrying.",
    "required": True,
    "schema": {"type": "string"},
    "example": "1",
}


def install(app: FastAPI) -> None:
    """Serve the completed document as ``/openapi.json`` (made once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    summary=app.summary,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for model in (ErrorBody, FieldError):
        schemas[model.__name__] = model.model_json_schema(ref_template=SCHEMAS + "{model}")
    for schema in schemas.values():
        _describe_properties(schema)
    for path, operations in document["paths"].items():
        for method, spec in operations.items():
            operation = Operation(method, path, spec)
            _complete_parameters(operation)
            _complete_responses(operation)
    return document


def _complete_parameters(operation: Operation) -> None:
    parameters = operation.spec.setdefault("parameters", [])
    declared = {(p["name"], p["in"]) for p in parameters}
    for header in REQUEST_HEADERS:
        if header.applies(operation) and (header.name, "header") not in declared:
            parameters.append(
                {
                    "name": header.name,
                    "in": "header",
                    "required": False,
                    "description": header.description,
                    "schema": header.schema,
                    "example": header.example,
                }
            )
    for parameter in parameters:
        glossary = PARAMETERS.get(parameter["name"])
        if glossary is not None:
            parameter.setdefault("description", glossary.description)
            parameter.setdefault("example", glossary.example)
    if not parameters:
        del operation.spec["parameters"]


def _complete_responses(operation: Operation) -> None:
    responses = operation.spec["responses"]
    responses.pop("422", None)  # FastAPI's own, in its own shape
    for status, response in responses.items():
        if status.startswith("2") and _empty(response):
            del response["content"]
        response["headers"] = _response_headers(operation, status)
    for status, answer in ERRORS.items():
        if answer.applies(operation):
            headers = _response_headers(operation, str(status))
            if status == 503:
                headers["Retry-After"] = RETRY_AFTER
            responses[str(status)] = {
                "description": answer.description,
                "headers": headers,
                "content": {
                    "application/json": {
                        "schema": {"$ref": SCHEMAS + ErrorBody.__name__},
                        "example": answer.example,
                    }
                },
            }


def _response_headers(operation: Operation, status: str) -> dict[str, Any]:
    success = status.startswith("2")
    return {
        header.name: {
            "description": header.description,
            "required": True,  # sent on every answer it is documented on
            "schema": header.schema,
            "example": header.example,
        }
        for header in RESPONSE_HEADERS
        if header.applies(operation) and (success or header.name == REQUEST_ID)
    }


def _empty(response: dict[str, Any]) -> bool:
    """A success documented with an empty schema: its route answers no body."""
    content = response.get("content", {})
    return list(content) == ["application/json"] and not content["application/json"].get("schema")


def _describe_properties(schema: dict[str, Any]) -> None:
    """Properties a model leaves undescribed get the glossary's words for their name."""
    for name, spec in schema.get("properties", {}).items():
        glossary = PROPERTIES.get(name)
        if glossary is not None and "description" not in spec:
            spec["description"] = glossary.description
            if glossary.example is not None and "examples" not in spec:
                spec["examples"] = [glossary.example]
