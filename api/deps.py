"""Dependencies routes declare in their signatures (``Annotated`` aliases keep them short)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from fastapi import Depends, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg import Connection
from psycopg.rows import DictRow

from api.context import event_context
from api.errors import ApiError
from api.services import Services
from domain.application import Committed, IdentityApplication
from domain.events import Actor, EventContext
from projections.freshness import Freshness
from projections.pagination import PageRequest

CONSISTENCY = "X-Idgov-Consistency"
TOKEN = "X-Idgov-Consistency-Token"  # noqa: S105 (a header name)


# Dependencies that never block are ``async``: FastAPI runs a plain ``def`` one in a worker
# thread, a hop that costs more than the work.


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_commands(services: ServicesDep) -> IdentityApplication:
    return services.commands


Commands = Annotated[IdentityApplication, Depends(get_commands)]

_bearer = HTTPBearer(auto_error=False)


async def authenticate(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None:
        raise ApiError(401, "unauthorized", "Missing API key: send 'Authorization: Bearer sk_…'.")
    actor = services.keys.remembered(credentials.credentials)
    if actor is None:  # loading the key reads the event store: off the event loop
        actor = await run_in_threadpool(services.keys.actor, credentials.credentials)
    if actor is None:
        raise ApiError(401, "unauthorized", "Invalid API key.")
    return actor


CurrentActor = Annotated[Actor, Depends(authenticate)]


async def get_event_context(request: Request, actor: CurrentActor) -> EventContext:
    return event_context(request, actor)


CommandContext = Annotated[EventContext, Depends(get_event_context)]


def committed(response: Response, result: Committed[Any], commands: IdentityApplication) -> None:
    """Hand the command's event-store position back as the consistency token."""
    position = (
        result.position
        if result.position is not None
        else commands.recorder.max_notification_id() or 0
    )
    response.headers[TOKEN] = str(position)


def fresh(projection: str) -> Callable[..., AsyncIterator[Connection[DictRow]]]:
    """A read-model connection, once the model is as fresh as the request asks.

    ``X-Idgov-Consistency``: ``fully_consistent`` (default: everything committed before the
    read began), ``at_least_as_fresh`` (with ``X-Idgov-Consistency-Token``), or
    ``minimize_latency`` (the model as it is). The position answered at is returned in
    ``X-Idgov-Read-Position``.
    """

    async def dependency(
        services: ServicesDep,
        request: Request,
        _: CurrentActor,
        consistency: Annotated[
            Literal["fully_consistent", "at_least_as_fresh", "minimize_latency"] | None,
            Header(alias=CONSISTENCY),
        ] = None,
        token: Annotated[str | None, Header(alias=TOKEN, pattern=r"^\d{1,19}$")] = None,
    ) -> AsyncIterator[Connection[DictRow]]:
        mode = consistency or ("at_least_as_fresh" if token else "fully_consistent")
        if mode == "at_least_as_fresh" and token is None:
            raise ApiError(
                400,
                "consistency_token_required",
                f"{CONSISTENCY}: at_least_as_fresh needs {TOKEN}.",
            )
        wanted = int(token) if mode == "at_least_as_fresh" and token is not None else None
        # Taking a connection and waiting both block: one trip to a worker thread for both.
        conn, reached = await run_in_threadpool(
            _fresh_connection, services, services.freshness[projection], mode, wanted
        )
        # The middleware puts it on the response, error responses (a 404) included.
        request.state.read_position = reached
        try:
            yield conn
        finally:
            services.reads.putconn(conn)  # no I/O for an idle autocommit connection

    return dependency


def _fresh_connection(
    services: Services, freshness: Freshness, mode: str, wanted: int | None
) -> tuple[Connection[DictRow], int]:
    """A pooled connection, and the position the model reached once fresh enough (probed on
    that same connection)."""
    timeout = services.consistency_timeout
    conn = services.reads.getconn()
    try:
        if wanted is not None:
            reached = freshness.wait_for(wanted, timeout, conn)
        elif mode == "fully_consistent":
            reached = freshness.wait_for_everything_committed(timeout, conn)
        else:
            reached = freshness.watermark(conn)
    except BaseException:
        services.reads.putconn(conn)
        raise
    return conn, reached


@contextmanager
def read_after(
    services: Services, projection: str, position: int | None
) -> Iterator[Connection[DictRow]]:
    """For commands that answer from the read model: a connection once it holds their events."""
    if position is not None:
        services.freshness[projection].wait_for(position, services.consistency_timeout)
    with services.reads.connection() as conn:
        yield conn


async def page_request(
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    before: Annotated[str | None, Query(max_length=255)] = None,
    after: Annotated[str | None, Query(max_length=255)] = None,
    order: Annotated[Literal["asc", "desc", "normal"], Query()] = "desc",
) -> PageRequest:
    if before is not None and after is not None:
        raise ApiError(
            422,
            "invalid_request_parameters",
            "Send either 'before' or 'after', not both.",
            errors=[{"field": "before", "code": "mutually_exclusive"}],
        )
    return PageRequest(limit=limit, before=before, after=after, order=order)


Pagination = Annotated[PageRequest, Depends(page_request)]
DirectoryReader = Annotated[Connection[DictRow], Depends(fresh("directory"))]
AccessReader = Annotated[Connection[DictRow], Depends(fresh("access"))]
