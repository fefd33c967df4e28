"""Per-request context: the request id on every log line, and the EventContext of commands."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable

import structlog
from fastapi import Request, Response

from domain.events import Actor, EventContext

REQUEST_ID = "X-Request-Id"
REASON = "X-Idgov-Reason"
READ_POSITION = "X-Idgov-Read-Position"

log = structlog.get_logger("idgov.api")


async def request_context(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    request_id = request.headers.get(REQUEST_ID) or f"req_{uuid.uuid4().hex}"
    request.state.request_id = request_id
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)
    started = time.perf_counter()
    response = await call_next(request)
    response.headers[REQUEST_ID] = request_id
    read_position = getattr(request.state, "read_position", None)
    if read_position is not None:
        response.headers[READ_POSITION] = str(read_position)
    log.info(
        "request",
        method=request.method,
        path=request.url.path,
        status=response.status_code,
        ms=round((time.perf_counter() - started) * 1000, 2),
    )
    return response


def event_context(request: Request, actor: Actor) -> EventContext:
    reason = request.headers.get(REASON)
    return EventContext(
        actor=actor,
        source="api",
        request_id=getattr(request.state, "request_id", None),
        reason=reason[:1000] if reason else None,
    )
