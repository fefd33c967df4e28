"""The floor under idgov's check over HTTP: what a Python service spends on the check's SQL alone.

An ASGI app with only what no check can do without: uvicorn's HTTP, the body parsed, a pooled
async connection, and the statement idgov sends for a check, freshness probe included
(``Freshness.read_one``, fully consistent). No authentication, routing, validation, errors or
log lines. Served by as many uvicorn workers as idgov's API, on the same database, and driven
by the same client at the same rate, it shows how much of a check's latency the machine
itself sets.

uvicorn runs it from the benchmark's environment (idgov's ``IDGOV_*`` settings)::

    uvicorn --factory tests.benchmarks.bare_check:create
"""

from __future__ import annotations

import json

from starlette.types import Receive, Scope, Send

from idgov.bootstrap import System
from idgov.database import Database
from idgov.settings import Settings
from projections.access import queries
from projections.freshness import EVERYTHING

PROJECTION = "access"


class BareCheck:
    def __init__(self, system: System) -> None:
        self.system = system
        self.services = system.services()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        asked = json.loads(body)
        check = queries.CheckRequest(
            scope["path"].split("/")[3], asked["permission_slug"], asked["resource_id"]
        )
        row, _ = await self.services.freshness[PROJECTION].read_one(
            self.services.statement_reads,
            queries.CHECK,
            queries.check_params(check),
            EVERYTHING,
            self.services.consistency_timeout,
        )
        answer = b'{"authorized":true}' if row["authorized"] else b'{"authorized":false}'
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(answer))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        await receive()  # startup
        await self.services.statement_reads.open()
        await send({"type": "lifespan.startup.complete"})
        await receive()  # shutdown
        await self.services.statement_reads.close()
        self.system.close()
        await send({"type": "lifespan.shutdown.complete"})


def create() -> BareCheck:
    settings = Settings()
    assert settings.database_url, "the bare check reads IDGOV_DATABASE_URL"
    return BareCheck(System(settings, Database.from_url(settings.database_url)))
