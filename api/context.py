"""Per-request context: the request id on every log line, and the EventContext of commands."""

from __future__ import annotations

import re
import time
import uuid
from typing import cast

import structlog
from fastapi import Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import invalid_parameters
from domain.events import Actor, ActorType, EventContext

REQUEST_ID = "X-Request-Id"
REASON = "X-Idgov-Reason"
ON_BEHALF_OF = "X-Idgov-Actor"
READ_POSITION = "X-Idgov-Read-Position"
MAX_REASON = 1000
MAX_USER_AGENT = 512
# ``<kind>:<id>``, e.g. ``user:user_01HXYZ`` or ``user:alice@example.com``: printable ASCII.
_ON_BEHALF_OF = re.compile(r"(user|directory|system):([\x21-\x7e]{1,255})")
_UNSTORABLE = re.compile("[\x00-\x1f\x7f]")

log = structlog.get_logger("idgov.api")


class RequestContext:
    """ASGI middleware: a request id on every log line and response, the read position on every
    response (errors too), and one log line per request. Plain ASGI rather than Starlette's
    ``BaseHTTPMiddleware``, which costs a task and a stream per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = Headers(scope=scope).get(REQUEST_ID) or f"req_{uuid.uuid4().hex}"
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers[REQUEST_ID] = request_id
                read_position = state.get("read_position")
                if read_position is not None:
                    headers[READ_POSITION] = str(read_position)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                ms=round((time.perf_counter() - started) * 1000, 2),
            )


def event_context(request: Request, actor: Actor) -> EventContext:
    user_agent = request.headers.get("User-Agent")
    return EventContext(
        actor=actor,
        source="api",
        request_id=getattr(request.state, "request_id", None),
        reason=_reason(request.headers.get(REASON)),
        on_behalf_of=_on_behalf_of(request.headers.get(ON_BEHALF_OF)),
        client_ip=request.client.host if request.client else None,
        # Described by the client, not asserted: kept readable and bounded rather than refused.
        user_agent=_UNSTORABLE.sub("\ufffd", user_agent[:MAX_USER_AGENT]) if user_agent else None,
    )


def _on_behalf_of(header: str | None) -> Actor | None:
    """The principal the calling application acts for, as ``<kind>:<id>`` (kind ``user``,
    ``directory`` or ``system``); anything else is refused."""
    if header is None:
        return None
    found = _ON_BEHALF_OF.fullmatch(header)
    if found is None:
        raise invalid_parameters(
            f"{ON_BEHALF_OF} must be '<kind>:<id>': kind user, directory or system, and an id of"
            " 1 to 255 printable ASCII characters (e.g. 'user:user_01HXYZ').",
            "invalid_format",
            ON_BEHALF_OF,
        )
    return Actor(type=cast(ActorType, found.group(1)), id=found.group(2))


def _reason(header: str | None) -> str | None:
    """The reason as the caller wrote it: UTF-8 (HTTP hands header bytes over as Latin-1), at
    most ``MAX_REASON`` characters; anything else is refused, never cut or garbled."""
    if not header:
        return None
    try:
        reason = header.encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        raise invalid_parameters(
            f"{REASON} must be UTF-8 text.", "invalid_encoding", REASON
        ) from None
    if len(reason) > MAX_REASON:
        raise invalid_parameters(
            f"{REASON} holds at most {MAX_REASON} characters.", "too_long", REASON
        )
    return reason
