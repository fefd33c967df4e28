"""Dependencies routes declare in their signatures (``Annotated`` aliases keep them short)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any, Concatenate, Literal, ParamSpec, TypeVar

from fastapi import Depends, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from psycopg import Connection
from psycopg.rows import DictRow
from pydantic import BaseModel, Field, ValidationError, model_validator
from starlette.datastructures import Headers, State

from api.context import event_context
from api.errors import ApiError, invalid_parameters
from api.services import Grant, Services
from domain.events import Actor, EventContext
from domain.store import Committed
from projections.freshness import EVERYTHING, Freshness, Wanted
from projections.pagination import PageRequest

Model = TypeVar("Model", bound=BaseModel)
Body = TypeVar("Body")
Keys = ParamSpec("Keys")

CONSISTENCY = "X-Idgov-Consistency"
TOKEN = "X-Idgov-Consistency-Token"  # noqa: S105 (a header name)


# Dependencies that never block are ``async``: FastAPI runs a plain ``def`` one in a worker
# thread, a hop that costs more than the work.


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


bearer = HTTPBearer(auto_error=False)


def bearer_secret(headers: Headers) -> str | None:
    """The API key a request's ``Authorization: Bearer`` header carries, if any."""
    scheme, credentials = get_authorization_scheme_param(headers.get("Authorization"))
    return credentials if scheme.lower() == "bearer" and credentials else None


async def grant_for(services: Services, secret: str | None, *, load: bool = True) -> Grant:
    """What an API key (the bearer credentials) may do, or 401; with ``load=False``, 401 for
    a key not remembered too (for callers that must not block)."""
    if secret is None:
        raise ApiError(401, "unauthorized", "Missing API key: send 'Authorization: Bearer sk_…'.")
    grant = services.keys.remembered(secret)
    if grant is None and load:  # loading the key reads the event store: off the event loop
        grant = await run_in_threadpool(services.keys.grant, secret)
    if grant is None:
        raise ApiError(401, "unauthorized", "Invalid API key.")
    return grant


async def actor_for(services: Services, secret: str | None, *, load: bool = True) -> Actor:
    """The actor of an API key, or 401 (as ``grant_for``)."""
    return (await grant_for(services, secret, load=load)).actor


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    services: Services = request.app.state.services
    return await actor_for(services, None if credentials is None else credentials.credentials)


CurrentActor = Annotated[Actor, Depends(authenticate)]


class CommandRequest:
    """What a command route needs, in one dependency: the use cases (``commands``), the
    request's ``context`` for the events, and how to answer once the command is committed:
    with the command's event-store position as the consistency token, and a status, a body, or
    a body read from a read model once the model holds the command's events."""

    def __init__(self, services: Services, context: EventContext, response: Response) -> None:
        self.commands = services.commands
        self.context = context
        self._services = services
        self._response = response

    def status(self, result: Committed[Any], status_code: int) -> Response:
        """No body: the token and the status only."""
        self._token(result)
        self._response.status_code = status_code
        return self._response

    def written(self, result: Committed[Any], body: Body) -> Body:
        """A body the route made from the write side (it needs no read model)."""
        self._token(result)
        return body

    def read(
        self,
        result: Committed[Any],
        projection: str,
        body: Callable[Concatenate[Connection[DictRow], Keys], Body],
        *keys: Keys.args,
        **named: Keys.kwargs,
    ) -> Body:
        """``body(conn, *keys)`` read from ``projection`` once it holds the command's events."""
        self._token(result)
        if result.position is not None:
            freshness = self._services.freshness[projection]
            freshness.wait_for(result.position, self._services.consistency_timeout)
        with self._services.reads.connection() as conn:
            return body(conn, *keys, **named)

    def _token(self, result: Committed[Any]) -> None:
        position = result.position
        if position is None:  # nothing new was committed: the store's current position
            position = self.commands.store.recorder.max_notification_id() or 0
        self._response.headers[TOKEN] = str(position)


async def command_request(
    request: Request, response: Response, actor: CurrentActor
) -> CommandRequest:
    return CommandRequest(request.app.state.services, event_context(request, actor), response)


Command = Annotated[CommandRequest, Depends(command_request)]


Consistency = Literal["fully_consistent", "at_least_as_fresh", "minimize_latency"]
TOKEN_PATTERN = r"^\d{1,19}$"  # noqa: S105 (a pattern)


class ConsistencyHeaders(BaseModel):
    """``X-Idgov-Consistency``: ``fully_consistent`` (default: everything committed before the
    read began), ``at_least_as_fresh`` (with ``X-Idgov-Consistency-Token``), or
    ``minimize_latency`` (the model as it is). The position answered at is returned in
    ``X-Idgov-Read-Position``."""

    consistency: Consistency | None = Field(default=None, validation_alias=CONSISTENCY)
    token: str | None = Field(default=None, validation_alias=TOKEN, pattern=TOKEN_PATTERN)

    def wanted(self) -> Wanted:
        mode = self.consistency or ("at_least_as_fresh" if self.token else "fully_consistent")
        if mode == "at_least_as_fresh":
            if self.token is None:
                raise ApiError(
                    400,
                    "consistency_token_required",
                    f"{CONSISTENCY}: at_least_as_fresh needs {TOKEN}.",
                )
            return int(self.token)
        return EVERYTHING if mode == "fully_consistent" else None


class Reads:
    """Reads of one read model, as fresh as the request asked (see ``ConsistencyHeaders``).

    Most read routes are plain functions, which FastAPI runs in a worker thread: they take a
    connection there (``connection``), in the same trip off the event loop as their reads.
    The access checks, the API's hottest path, are served without per-request dependencies
    (solving them costs more than the check): ``asked`` authenticates the request and reads
    its headers as the dependencies would, and ``one`` reads on the event loop.

    A read that must not wait (``wait=False``) fails at once where it would wait: with 401 for
    an API key it would have to load, with ``NotFreshEnough`` when the model is behind."""

    def __init__(
        self,
        services: Services,
        freshness: Freshness,
        wanted: Wanted,
        state: State,
        wait: bool = True,
    ) -> None:
        self._services = services
        self._freshness = freshness
        self._wanted = wanted
        self._state = state  # the middleware puts the position on the response, errors too
        self._timeout = services.consistency_timeout if wait else 0.0

    @classmethod
    async def asked(
        cls,
        services: Services,
        headers: Headers,
        state: State,
        projection: str,
        *,
        wait: bool = True,
    ) -> Reads:
        """The reads a request's headers ask for, once its API key is known good."""
        await actor_for(services, bearer_secret(headers), load=wait)
        try:
            consistency = ConsistencyHeaders.model_validate(
                {name: headers.get(name) for name in (CONSISTENCY, TOKEN)}
            )
        except ValidationError as error:
            raise _invalid("header", error) from None
        freshness = services.freshness[projection]
        return cls(services, freshness, consistency.wanted(), state, wait)

    @staticmethod
    def header_schemas() -> dict[str, Any]:
        """The JSON schemas of the consistency headers, by header name."""
        properties: dict[str, Any] = ConsistencyHeaders.model_json_schema()["properties"]
        return properties

    async def settle(self) -> None:
        """Wait on the event loop until the model is fresh enough: a plain route then takes its
        worker thread and connection only once there is nothing left to wait for, so reads
        waiting for a lagging model hold neither."""
        if self._wanted is not None:
            self._wanted = await self._freshness.reach_async(
                self._services.statement_reads, self._wanted, self._timeout
            )

    @contextmanager
    def connection(self) -> Iterator[Connection[DictRow]]:
        """A pooled connection, once the model is fresh enough (probed on that connection)."""
        with self._services.reads.connection() as conn:
            position = self._freshness.reach(self._wanted, self._timeout, conn)
            self._state.read_position = position
            yield conn

    async def one(self, statement: str, params: Sequence[Any]) -> DictRow:
        """The row of a one-row statement, sent with the freshness probe: a model already
        fresh enough answers in one round trip."""
        row, reached = await self._freshness.read_one(
            self._services.statement_reads,
            statement,
            params,
            self._wanted,
            self._timeout,
        )
        self._state.read_position = reached
        return row


def reads(projection: str) -> Callable[..., Awaitable[Reads]]:
    async def dependency(
        request: Request,
        _: CurrentActor,
        consistency: Annotated[Consistency | None, Header(alias=CONSISTENCY)] = None,
        token: Annotated[str | None, Header(alias=TOKEN, pattern=TOKEN_PATTERN)] = None,
    ) -> Reads:
        services: Services = request.app.state.services
        headers = ConsistencyHeaders.model_construct(consistency=consistency, token=token)
        asked = Reads(services, services.freshness[projection], headers.wanted(), request.state)
        await asked.settle()
        return asked

    return dependency


def _invalid(where: str, error: ValidationError) -> RequestValidationError:
    return RequestValidationError([{**e, "loc": (where, *e["loc"])} for e in error.errors()])


def request_body(model: type[Model], raw: bytes) -> Model:
    """A request body validated as FastAPI validates declared ones, with the same errors."""
    if not raw:
        raise RequestValidationError(
            [{"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}]
        )
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        raise _invalid("body", error) from None


class PageQuery(BaseModel):
    """WorkOS's cursor parameters: one cursor at most, ``before`` or ``after``."""

    limit: int = Field(default=10, ge=1, le=100)
    before: str | None = Field(default=None, max_length=255)
    after: str | None = Field(default=None, max_length=255)
    order: Literal["asc", "desc", "normal"] = "desc"

    @model_validator(mode="after")
    def _one_cursor(self) -> PageQuery:
        if self.before is not None and self.after is not None:
            message = "Send either 'before' or 'after', not both."
            raise invalid_parameters(message, "mutually_exclusive", "before")
        return self


async def page_request(query: Annotated[PageQuery, Query()]) -> PageRequest:
    return PageRequest(query.limit, query.before, query.after, query.order)


Pagination = Annotated[PageRequest, Depends(page_request)]
DirectoryReads = Annotated[Reads, Depends(reads("directory"))]
AccessReads = Annotated[Reads, Depends(reads("access"))]
