"""``Idempotency-Key`` on command POSTs: a retry answers the first answer and commits nothing.

As Stripe and ``draft-ietf-httpapi-idempotency-key-header`` specify it:

- The key is the caller's (scoped to its API key), 1 to 255 visible ASCII characters (400
  ``invalid_idempotency_key`` otherwise), kept ``ttl`` after its command committed (24 h by
  default), then purged.
- The key is recorded by the event store in the transaction of the command's events
  (``domain.store.RECORDED_WITH``), so a command whose answer was lost (a crash between commit
  and answer) never runs twice. Its answer is stored once made.
- A retry with the same method, path, query and body answers the stored answer with
  ``Idempotency-Replayed: true``; with anything else, 422 ``idempotency_key_reused``. While the
  first request runs, 409 ``idempotency_key_in_flight`` (retry it). A command that committed
  but whose answer was lost answers 409 ``idempotency_answer_lost`` with the consistency token
  of its commit: it is not run again.
- Only commands that committed something are remembered. A refusal (4xx) changed nothing, so
  a retry runs again (unlike Stripe, which replays 4xx too): after the caller fixes what was
  wrong, the same key works. An answer of 500 or more after a commit is not kept; a retry
  then answers ``idempotency_answer_lost``.
- Checks (``POST /authorization/.../check``) are reads: they ignore the header.

Plain ASGI, between the check lane (which answers checks before this runs) and the routes.
"""

from __future__ import annotations

import hashlib
import json
import re

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from psycopg import AsyncConnection
from psycopg.rows import DictRow
from starlette.datastructures import Headers
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import TOKEN, actor_for, bearer_secret
from api.errors import error_body
from api.guard import replaying
from api.services import Services
from domain.store import RECORDED_WITH

HEADER = "Idempotency-Key"
REPLAYED = "Idempotency-Replayed"
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
VALID_KEY = re.compile(KEY_PATTERN)

# Recorded by the event store's recorder (idgov/database.py) with the command's events.
TABLE = """
CREATE TABLE IF NOT EXISTS {schema}.idempotency_keys (
    scope text NOT NULL,
    key text NOT NULL,
    fingerprint text NOT NULL,
    position bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    status integer,
    headers jsonb,
    body bytea,
    PRIMARY KEY (scope, key)
)"""
TABLE_INDEX = (
    "CREATE INDEX IF NOT EXISTS idempotency_keys_created_at "
    "ON {schema}.idempotency_keys (created_at)"
)
RECORD = """
INSERT INTO {schema}.idempotency_keys (scope, key, fingerprint, position)
VALUES (%(scope)s, %(key)s, %(fingerprint)s, %(position)s)
ON CONFLICT (scope, key) DO UPDATE SET position = EXCLUDED.position"""

PURGE = "DELETE FROM idempotency_keys WHERE created_at <= now() - %s"
FIND = (
    "SELECT fingerprint, position, status, headers, body FROM idempotency_keys "
    "WHERE scope = %s AND key = %s"
)
ANSWER = (
    "UPDATE idempotency_keys SET status = %s, headers = %s, body = %s "
    "WHERE scope = %s AND key = %s AND status IS NULL"
)
LOCK = "SELECT pg_try_advisory_lock(%s) AS locked"
UNLOCK = "SELECT pg_advisory_unlock(%s)"


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    """What a retry must repeat exactly for the key to answer it."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def lock_id(scope: str, key: str) -> int:
    """The advisory lock of one caller's key: a signed 64-bit number."""
    digest = hashlib.sha256(f"{scope}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Idempotency:
    def __init__(self, app: ASGIApp, services: Services, reads: APIRouter) -> None:
        """``reads``: the POST routes that only read (checks); they ignore the header."""
        self.app = app
        self.services = services
        self.keys = services.idempotency_keys
        self.reads = [route.path_regex for route in _routes(reads)]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = Headers(scope=scope).get(HEADER) if scope["type"] == "http" else None
        if key is None or scope["method"] != "POST" or self._is_read(scope["path"]):
            await self.app(scope, receive, send)
            return
        if not VALID_KEY.match(key):
            await _refused(400, "invalid_idempotency_key", INVALID_KEY)(scope, receive, send)
            return
        actor = await actor_for(self.services, bearer_secret(Headers(scope=scope)))
        body = await _body(receive)
        request = {
            "scope": actor.id,
            "key": key,
            "fingerprint": fingerprint(
                scope["method"], scope["path"], scope.get("query_string", b""), body
            ),
        }
        async with self.keys.pool.connection() as conn:
            held = KeyLock(conn, lock_id(actor.id, key))
            if not await held.take():
                await _in_flight()(scope, receive, send)
                return
            try:
                earlier = await self._earlier(conn, actor.id, key)
                if earlier is not None:
                    await _answer(earlier, request["fingerprint"])(scope, receive, send)
                    return
                await self._run(held, request, scope, replaying(body, receive), send)
            finally:
                await held.release()

    def _is_read(self, path: str) -> bool:
        return any(pattern.match(path) for pattern in self.reads)

    async def _earlier(
        self, conn: AsyncConnection[DictRow], scope: str, key: str
    ) -> DictRow | None:
        await conn.execute(PURGE, (self.keys.ttl,))
        return await (await conn.execute(FIND, (scope, key))).fetchone()

    async def _run(
        self, held: KeyLock, request: dict[str, str], scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Run the command with its key recorded by its commit. The answer it made is kept and
        the key released before the answer ends, so that a retry sent on receipt replays it."""
        status = 500
        headers: list[tuple[str, str]] = []
        chunks: list[bytes] = []

        async def keeping(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers.extend(
                    (name.decode("latin-1"), value.decode("latin-1"))
                    for name, value in message.get("headers", [])
                )
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    if status < 500:  # a row exists only if the command committed
                        answer = (status, json.dumps(headers), b"".join(chunks))
                        await held.conn.execute(ANSWER, (*answer, request["scope"], request["key"]))
                    await held.release()
            await send(message)

        recording = RECORDED_WITH.set({"idempotency": request})
        try:
            await self.app(scope, receive, keeping)
        finally:
            RECORDED_WITH.reset(recording)


class KeyLock:
    """A caller's key, held by one request: a PostgreSQL advisory lock on the request's own
    connection, so that a process that dies releases it with its connections."""

    def __init__(self, conn: AsyncConnection[DictRow], lock: int) -> None:
        self.conn = conn
        self._lock = lock
        self._held = False

    async def take(self) -> bool:
        row = await (await self.conn.execute(LOCK, (self._lock,))).fetchone()
        self._held = bool(row and row["locked"])
        return self._held

    async def release(self) -> None:
        if self._held:
            self._held = False
            await self.conn.execute(UNLOCK, (self._lock,))


INVALID_KEY = f"{HEADER} must be 1 to 255 visible ASCII characters."


def _refused(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


def _in_flight() -> JSONResponse:
    message = f"A request with this {HEADER} is still in progress; retry it shortly."
    return _refused(409, "idempotency_key_in_flight", message, **{"Retry-After": "1"})


def _answer(earlier: DictRow, request_fingerprint: str) -> Response:
    """The first answer again, or why there is none to give."""
    if earlier["fingerprint"] != request_fingerprint:
        message = f"This {HEADER} was used for a different request (method, path or body)."
        return _refused(422, "idempotency_key_reused", message)
    if earlier["status"] is None:
        message = (
            "The request with this key was committed but its answer was lost; it is not run "
            f"again. Read the result at consistency token {earlier['position']}."
        )
        return _refused(
            409,
            "idempotency_answer_lost",
            message,
            **{TOKEN: str(earlier["position"]), REPLAYED: "true"},
        )
    replayed = Response(bytes(earlier["body"]), status_code=earlier["status"])
    replayed.raw_headers = [
        (name.encode("latin-1"), value.encode("latin-1")) for name, value in earlier["headers"]
    ]
    replayed.raw_headers.append((REPLAYED.lower().encode(), b"true"))
    return replayed


async def _body(receive: Receive) -> bytes:
    """The body, already read and bounded by the request guard."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body", False):
            return b"".join(chunks)


def install(app: FastAPI, services: Services, reads: APIRouter) -> None:
    """The middleware (its header is documented with the others, in ``api.openapi``). Installed
    before the check lane, so that the lane runs first."""
    app.add_middleware(Idempotency, services=services, reads=reads)


def _routes(router: APIRouter) -> list[APIRoute]:
    return [route for route in router.routes if isinstance(route, APIRoute)]
