"""The access check's fast lane: the API's hottest request, answered before FastAPI routes it.

Routing a request through FastAPI (exception middleware, router, request and response objects)
costs more CPU than the check itself. ``CheckLane`` answers a check that needs none of it: a
well-formed body, a known API key, a membership and resource that exist, a read model already
fresh enough. It answers with ``answer_check``, the check route's own code, so the answer, its
headers and its log line are the route's. Every other check goes on to the route with its body
replayed: the route renders errors as every route does, and waits for the model when it must.
"""

from __future__ import annotations

import re

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, State
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ANSWERED
from api.routes.access import answer_check
from api.services import Services

# The check route's path (a path parameter matches one segment, as Starlette's does).
CHECK_PATH = re.compile(r"/authorization/organization_memberships/([^/]+)/check")


class CheckLane:
    """ASGI middleware: single checks answered without FastAPI's routing when they can be."""

    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = (
            CHECK_PATH.fullmatch(scope["path"])
            if scope["type"] == "http" and scope["method"] == "POST"
            else None
        )
        if match is None:
            await self.app(scope, receive, send)
            return
        body = await _body(receive)
        if body is None:
            return  # the client went away: there is no one to answer
        try:
            answer = await answer_check(
                self.services,
                match[1],
                Headers(scope=scope),
                body,
                State(scope.setdefault("state", {})),
                wait=False,
            )
        except ANSWERED:
            await self.app(scope, _replaying(body, receive), send)
            return
        await JSONResponse(answer)(scope, receive, send)


async def _body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the route the body the lane read, then the client's messages."""
    replayed = False

    async def replaying() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replaying
