"""Access checks, the API's hottest requests: the check routes, and the lane in front of them.

Routing a request through FastAPI (exception middleware, router, request and response objects)
costs more CPU than the check itself. ``CheckLane`` answers a single check that needs none of
it: a well-formed body, a known API key, a membership and resource that exist, a read model
already fresh enough. It answers with ``answer_check``, the route's own code, so the answer, its
headers and its log line are the route's. Every other check goes on to the route with its body
replayed: the route renders errors as every route does, and waits for the model when it must.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import WebSocketRequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.requests import ClientDisconnect
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from api.deps import CONSISTENCY, TOKEN, Reads, bearer, request_body
from api.guard import replaying
from api.models.resources import BatchCheckRequest, BatchCheckResponse, CheckRequest, CheckResponse
from api.scopes import needs
from api.services import Services
from domain.errors import NotFound
from projections.access import queries

router = APIRouter(prefix="/authorization", tags=["authorization"])
CHECK = "/organization_memberships/{organization_membership_id}/check"

RESOURCE_NOT_FOUND = "Resource not found in the membership's organization."


def membership_not_found(membership_id: str) -> NotFound:
    return NotFound(f"Organization membership not found: '{membership_id}'.")


def _check_request(membership_id: str, asked: CheckRequest) -> queries.CheckRequest:
    return queries.CheckRequest(
        membership_id,
        asked.permission_slug,
        asked.resource_id,
        asked.resource_type_slug,
        asked.resource_external_id,
    )


async def answer_check(
    services: Services, membership_id: str, request: Request, *, wait: bool = True
) -> dict[str, bool]:
    """One check, in one statement with its freshness probe, on the event loop: what the check
    route answers, and what ``CheckLane`` answers without the route (``wait=False``)."""
    reads = await Reads.asked(services, request.headers, request.state, "access", wait=wait)
    checked = _check_request(membership_id, request_body(CheckRequest, await request.body()))
    row = await reads.one(queries.CHECK, queries.check_params(checked))
    if row["organization_id"] is None:
        raise membership_not_found(membership_id)
    if row["resource_id"] is None:
        raise NotFound(RESOURCE_NOT_FOUND)
    return {"authorized": row["authorized"]}


def documented(body_model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI for a route served without dependencies: what they would have documented. A
    check changes nothing: a ``read`` key may make it."""
    headers = Reads.header_schemas()
    return {
        **needs("read"),
        "security": [{bearer.scheme_name: []}],
        "parameters": [
            {"name": name, "in": "header", "required": False, "schema": headers[name]}
            for name in (CONSISTENCY, TOKEN)
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inlined(body_model.model_json_schema())}},
        },
    }


def _inlined(schema: dict[str, Any]) -> Any:
    """A JSON schema with its ``$defs`` put in place of their references: the nested models
    are not among the document's components, which list only what declared routes name."""
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(definitions[node["$ref"].rsplit("/", 1)[-1]])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return resolve(schema)


# The check routes are served without per-request dependencies (see ``Reads``).


@router.post(CHECK, response_model=CheckResponse, openapi_extra=documented(CheckRequest))
async def check(organization_membership_id: str, request: Request) -> Response:
    """Most checks never reach this route: ``CheckLane`` answers them first, and leaves it the
    rest (errors, and waits for the model)."""
    services = request.app.state.services
    return JSONResponse(await answer_check(services, organization_membership_id, request))


@router.post(
    "/check/batch", response_model=BatchCheckResponse, openapi_extra=documented(BatchCheckRequest)
)
async def check_many(request: Request) -> Response:
    """idgov extension: up to 100 checks, answered in request order at one read position, in
    one statement. A check naming an unknown membership or resource is answered
    ``authorized: false``."""
    services = request.app.state.services
    reads = await Reads.asked(services, request.headers, request.state, "access")
    checks = request_body(BatchCheckRequest, await request.body()).checks
    requests = [_check_request(item.organization_membership_id, item) for item in checks]
    row = await reads.one(queries.CHECK_MANY, queries.check_many_params(requests))
    return JSONResponse({"object": "list", "data": [{"authorized": a} for a in row["answers"]]})


# The check route's own path pattern (its parameter matches one segment).
CHECK_PATH = compile_path(router.prefix + CHECK)[0]


def answered(handlers: Mapping[Any, Any]) -> tuple[type[Exception], ...]:
    """The errors an app's exception handlers answer with their own response (every other one
    is a 500; websocket errors never reach an HTTP route)."""
    return tuple(
        error
        for error in handlers
        if isinstance(error, type) and error not in (Exception, WebSocketRequestValidationError)
    )


class CheckLane:
    """ASGI middleware: single checks answered without FastAPI's routing when they can be.

    ``handlers`` are the app's exception handlers: a check failing with an error they answer
    goes on to the route, which answers it as the app does."""

    def __init__(self, app: ASGIApp, services: Services, handlers: Mapping[Any, Any]) -> None:
        self.app = app
        self.services = services
        self.answered = answered(handlers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = (
            CHECK_PATH.match(scope["path"])
            if scope["type"] == "http" and scope["method"] == "POST"
            else None
        )
        if match is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            body = await request.body()
        except ClientDisconnect:
            return  # there is no one to answer
        try:
            answer = await answer_check(
                self.services, match["organization_membership_id"], request, wait=False
            )
        except self.answered:
            await self.app(scope, replaying(body, receive), send)
            return
        await JSONResponse(answer)(scope, receive, send)
