"""The gate every request passes before it is routed.

- A request is authenticated first, and its API key's scopes enforced (``api/scopes.py``):
  without a valid key it answers 401, without the scope its route needs 403, before a byte of
  its body is read. A key restricted to organizations is held to them once the body is read.
- A body larger than the limit answers 413, decided from ``Content-Length`` or while the body
  streams in, so an oversized upload is never held in memory.
- Text PostgreSQL cannot store (NUL, and lone UTF-16 surrogates, which JSON can spell as
  ``\\ud800``) is refused here: in the body with 422 naming the field, in the query with 400
  naming the parameter, in the path with 404 (no id holds such a character). Refused at the
  edge, it can never reach an event, where it would be kept forever and no read model could
  store it.

Plain ASGI, like ``RequestContext``: the fast check lane behind it reads the body this gate
has already read, replayed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import bearer_secret, grant_for
from api.errors import ApiError, error_body
from api.scopes import RouteScopes, refuse_elsewhere, refuse_unscoped
from api.services import Grant, Services
from domain.api_keys import Scope as KeyScope
from domain.errors import DomainError
from projections.freshness import NotFreshEnough

# Anything that may decode to NUL or a surrogate: a cheap scan first, a full look only then.
SUSPECT = re.compile(rb"\x00|\\u0000|\\u[dD][89a-fA-F]")


def storable(text: str) -> bool:
    """True when PostgreSQL can store ``text`` (no NUL, valid UTF-8 once encoded)."""
    if "\x00" in text:
        return False
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def unstorable_fields(value: Any, path: tuple[str, ...] = ()) -> Iterator[str]:
    """The dotted paths (``metadata.key``, ``domains.0``) of strings that cannot be stored,
    keys of objects included."""
    if isinstance(value, str):
        if not storable(value):
            yield ".".join(path) or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            if not storable(key):
                yield ".".join((*path, "<key>")) if path else "<key>"
            yield from unstorable_fields(item, (*path, key if storable(key) else "<key>"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from unstorable_fields(item, (*path, str(index)))


def _invalid(status: int, fields: list[str], where: str) -> JSONResponse:
    return JSONResponse(
        error_body(
            "invalid_request_parameters",
            f"The {where} holds characters that cannot be stored (NUL or lone surrogates).",
            errors=[{"field": field, "code": "invalid_character"} for field in fields],
        ),
        status_code=status,
    )


# A request that may carry a body is never read unauthenticated, even one no route takes.
WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def answer(scope: Scope, error: Exception) -> Response:
    """The app's own answer to an error raised before the request is routed."""
    handlers = scope["app"].exception_handlers
    handler = next(handlers[kind] for kind in type(error).__mro__ if kind in handlers)
    response: Response = await handler(Request(scope), error)
    return response


class RequestGuard:
    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services
        self.max_body_bytes = services.max_body_bytes
        self.routes = RouteScopes()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        routed = self.routes.route(scope)
        grant: Grant | None = None
        refused: Response | None = self._refused_target(scope)
        if refused is None:
            try:
                grant = await self._authorized(scope, routed)
            except ApiError as error:
                refused = await answer(scope, error)
        if refused is None:
            declared = Headers(scope=scope).get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
                refused = self._too_large()
        if refused is not None:
            await refused(scope, receive, send)
            return
        body = await self._read(receive)
        if body is None:
            await self._too_large()(scope, receive, send)
            return
        if SUSPECT.search(body):
            fields = self._unstorable(body)
            if fields:
                await _invalid(422, fields, "request body")(scope, receive, send)
                return
        if grant is not None and routed is not None:
            try:
                await refuse_elsewhere(self.services, grant, scope, routed[1], body)
            except (ApiError, DomainError, NotFreshEnough) as error:
                await (await answer(scope, error))(scope, receive, send)
                return
        await self.app(scope, replaying(body, receive), send)

    def _refused_target(self, scope: Scope) -> JSONResponse | None:
        if not storable(scope["path"]):
            return JSONResponse(error_body("not_found", "Not Found"), status_code=404)
        query = scope.get("query_string", b"")
        if b"%00" in query or b"%ED" in query.upper() or b"\x00" in query:
            pairs = parse_qsl(
                query.decode("latin-1"), keep_blank_values=True, errors="surrogatepass"
            )
            fields = [name for name, value in pairs if not (storable(name) and storable(value))]
            if fields:
                return _invalid(400, fields, "query")
        return None

    async def _authorized(
        self, scope: Scope, routed: tuple[KeyScope | None, dict[str, str]] | None
    ) -> Grant | None:
        """The request's grant, refused (``ApiError``) unless it has the scope its route needs;
        None for a route that takes no key."""
        needed = None if routed is None else routed[0]
        if needed is None:
            if routed is None and scope["method"] in WITH_BODY:
                await grant_for(self.services, bearer_secret(Headers(scope=scope)))
            return None
        grant = await grant_for(self.services, bearer_secret(Headers(scope=scope)))
        refuse_unscoped(grant, needed)
        return grant

    def _too_large(self) -> JSONResponse:
        return JSONResponse(
            error_body(
                "request_too_large",
                f"The request body is larger than {self.max_body_bytes} bytes.",
            ),
            status_code=413,
        )

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body, or None as soon as it passes the limit (the rest is not read)."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away; the app sees an empty body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    @staticmethod
    def _unstorable(body: bytes) -> list[str]:
        try:
            document = json.loads(body)
        except ValueError:
            return []  # not JSON: the route answers invalid_json as it would anyway
        return list(unstorable_fields(document))


def replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands on a body already read, then the client's messages (a
    disconnect)."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
