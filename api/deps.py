"""Dependencies routes declare in their signatures (``Annotated`` aliases keep them short)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from fastapi import Depends, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg import Connection
from psycopg.rows import DictRow
from starlette.datastructures import State

from api.context import event_context
from api.errors import ApiError
from api.services import Services
from domain.application import Committed, IdentityApplication
from domain.events import Actor, EventContext
from projections.freshness import EVERYTHING, Freshness, Wanted
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


class Reads:
    """Reads of one read model, as fresh as the request asked. Routes that read are plain
    functions, which FastAPI runs in a worker thread: taking a connection and waiting for the
    model happen there, in the same trip off the event loop as the reads themselves.

    ``X-Idgov-Consistency``: ``fully_consistent`` (default: everything committed before the
    read began), ``at_least_as_fresh`` (with ``X-Idgov-Consistency-Token``), or
    ``minimize_latency`` (the model as it is). The position answered at is returned in
    ``X-Idgov-Read-Position``.
    """

    def __init__(
        self, services: Services, freshness: Freshness, wanted: Wanted, state: State
    ) -> None:
        self._pool = services.reads
        self._timeout = services.consistency_timeout
        self._freshness = freshness
        self._wanted = wanted
        self._state = state  # the middleware puts the position on the response, errors too

    @contextmanager
    def connection(self) -> Iterator[Connection[DictRow]]:
        """A pooled connection, once the model is fresh enough (probed on that connection)."""
        with self._pool.connection() as conn:
            self._state.read_position = self._freshness.reach(self._wanted, self._timeout, conn)
            yield conn

    def one(self, statement: str, params: Sequence[Any]) -> DictRow:
        """The row of a one-row statement, sent with the freshness probe: a model already
        fresh enough answers in one round trip."""
        with self._pool.connection() as conn:
            row, reached = self._freshness.read_one(
                conn, statement, params, self._wanted, self._timeout
            )
        self._state.read_position = reached
        return row


def reads(projection: str) -> Callable[..., Awaitable[Reads]]:
    async def dependency(
        services: ServicesDep,
        request: Request,
        _: CurrentActor,
        consistency: Annotated[
            Literal["fully_consistent", "at_least_as_fresh", "minimize_latency"] | None,
            Header(alias=CONSISTENCY),
        ] = None,
        token: Annotated[str | None, Header(alias=TOKEN, pattern=r"^\d{1,19}$")] = None,
    ) -> Reads:
        mode = consistency or ("at_least_as_fresh" if token else "fully_consistent")
        wanted: Wanted
        if mode == "at_least_as_fresh":
            if token is None:
                raise ApiError(
                    400,
                    "consistency_token_required",
                    f"{CONSISTENCY}: at_least_as_fresh needs {TOKEN}.",
                )
            wanted = int(token)
        else:
            wanted = EVERYTHING if mode == "fully_consistent" else None
        return Reads(services, services.freshness[projection], wanted, request.state)

    return dependency


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
DirectoryReads = Annotated[Reads, Depends(reads("directory"))]
AccessReads = Annotated[Reads, Depends(reads("access"))]
