"""How fresh a read model is, and waiting until it is fresh enough.

A read model's watermark is the event-store position up to which it has applied every
event (the minimum over the streams that feed it). A read that must see everything
committed before it began waits until the watermark reaches the event store's current
position (its head); a read carrying a consistency token waits for that position only.
Head and watermark are read in one statement: a model that is already fresh costs one round
trip. A read that has to wait is woken when a batch is committed to the model (each commit
notifies, see ``ProjectionView.apply_batch``); it also polls, with growing pauses, so that it
never depends on the notification alone.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal

import structlog
from psycopg import AsyncConnection, Connection, sql
from psycopg.rows import DictRow
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from projections.base import ADVANCED_CHANNEL, watermark_sql

log = structlog.get_logger("idgov.freshness")

# What a read must see: everything committed before it began (EVERYTHING), a position (a
# consistency token's), or (None) whatever the model holds.
EVERYTHING: Literal["everything"] = "everything"
Wanted = int | Literal["everything"] | None


class Wakeups:
    """Commits to the read models, as seen by one listening connection per process."""

    def __init__(self, connect: Callable[[], Connection[Any]]) -> None:
        self._connect = connect
        self._changed = threading.Condition()
        self._commits: defaultdict[str, int] = defaultdict(int)  # per model, since start
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Waits on event loops, woken from the listening thread.
        self._waiting: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def start(self) -> None:
        with self._changed:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._listen, name="read-model-wakeups", daemon=True
                )
                self._thread.start()

    def commits(self, model: str) -> int:
        with self._changed:
            return self._commits[model]

    def wait(self, model: str, seen: int, timeout: float) -> None:
        """Until ``model`` has had a commit since ``commits`` returned ``seen``, or timeout."""
        with self._changed:
            self._changed.wait_for(lambda: self._commits[model] != seen, timeout)

    async def wait_async(self, model: str, seen: int, timeout: float) -> None:
        """``wait``, on an event loop, without holding a thread."""
        woken = (asyncio.get_running_loop(), asyncio.Event())
        with self._changed:
            if self._commits[model] != seen:
                return
            self._waiting.add(woken)
        try:
            await asyncio.wait_for(woken[1].wait(), timeout)
        except TimeoutError:
            pass
        finally:
            with self._changed:
                self._waiting.discard(woken)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                with self._connect() as conn:
                    conn.execute(sql.SQL("LISTEN {0}").format(sql.Identifier(ADVANCED_CHANNEL)))
                    with self._changed:
                        known = list(self._commits)
                    self._advance(*known)  # what committed while this was not listening
                    while not self._stop.is_set():
                        self._advance(*(n.payload for n in conn.notifies(timeout=0.5)))
            except Exception:
                # Reads poll meanwhile: slower to notice a commit, never wrong.
                log.warning("read_model_wakeups_lost", exc_info=True)
                self._stop.wait(1.0)

    def _advance(self, *models: str) -> None:
        if models:
            with self._changed:
                for model in models:
                    self._commits[model] += 1
                self._changed.notify_all()
                for loop, event in self._waiting:
                    loop.call_soon_threadsafe(event.set)


class NotFreshEnough(Exception):
    def __init__(self, projection: str, wanted: int, reached: int) -> None:
        super().__init__(f"read model {projection!r} reached position {reached}, not {wanted}")
        self.projection = projection
        self.wanted = wanted
        self.reached = reached


class BeyondTheHead(Exception):
    """A consistency token past the event store's last position: no commit issued it, so no
    wait could ever see it."""

    def __init__(self, wanted: int, head: int) -> None:
        super().__init__(f"position {wanted} is beyond the event store's head {head}")
        self.wanted = wanted
        self.head = head


class Freshness:
    def __init__(
        self,
        pool: ConnectionPool[Connection[DictRow]],
        projection: str,
        streams: str,
        event_store_head: sql.Composed,
        wakeups: Wakeups | None = None,
    ) -> None:
        """``event_store_head``: a query for the event store's last position, in the same
        database as the model."""
        self.pool = pool
        self.projection = projection
        self.streams = streams  # a LIKE pattern over the model's stream names
        self.wakeups = wakeups
        self._query = watermark_sql(projection)
        self._head_and_watermark = sql.SQL("SELECT ({0}) AS head, ({1}) AS position").format(
            event_store_head, self._query
        )
        self._probed: dict[str, str] = {}  # read_one's statements, each with the probe

    def reach(self, wanted: Wanted, timeout: float, conn: Connection[DictRow] | None = None) -> int:
        """Block until the model holds what ``wanted`` asks for; return the watermark reached."""
        if wanted == EVERYTHING:
            return self.wait_for_everything_committed(timeout, conn)
        if wanted is None:
            return self.watermark(conn)
        return self.wait_for(wanted, timeout, conn)

    async def read_one(
        self,
        pool: AsyncConnectionPool[AsyncConnection[DictRow]],
        statement: str,
        params: Sequence[Any],
        wanted: Wanted,
        timeout: float,
    ) -> tuple[DictRow, int]:
        """The row of a one-row read of the model, once the model holds what ``wanted`` asks
        for, and the watermark it was read at; for reads served on an event loop.

        The statement is sent with the probe, so both see one snapshot: when the model is
        already fresh enough, that is the whole read. Otherwise it waits as ``reach`` does,
        without holding a connection or a thread, and reads again."""
        query = self._probed.get(statement)
        async with pool.connection() as conn:
            if query is None:
                probed = sql.SQL(
                    "SELECT probe.head AS probe_head, probe.position AS probe_position, read.*"
                    " FROM ({0}) probe CROSS JOIN LATERAL ({1}) read"
                ).format(self._head_and_watermark, sql.SQL(statement))
                query = self._probed[statement] = probed.as_string(conn)
            seen = self.commits()
            row = await (await conn.execute(query, (self.streams, *params))).fetchone()
        assert row is not None, "read_one's statement returns one row"
        head, reached = int(row.pop("probe_head") or 0), int(row.pop("probe_position"))
        position = self._position(wanted, head, reached)
        if position is None or reached >= position:
            return row, reached
        reached = await self._wait_async(pool, position, timeout, seen, reached)
        async with pool.connection() as conn:
            row = await (await conn.execute(statement, params)).fetchone()
        assert row is not None, "read_one's statement returns one row"
        return row, reached

    async def reach_async(
        self,
        pool: AsyncConnectionPool[AsyncConnection[DictRow]],
        wanted: Wanted,
        timeout: float,
    ) -> int:
        """``reach`` on an event loop: the watermark once the model holds what ``wanted``
        asks for, waiting without holding a connection or a thread."""
        seen = self.commits()
        async with pool.connection() as conn:
            row = await (await conn.execute(self._head_and_watermark, (self.streams,))).fetchone()
        assert row is not None  # aggregates without GROUP BY: always one row
        head, reached = int(row["head"] or 0), int(row["position"])
        position = self._position(wanted, head, reached)
        if position is None or reached >= position:
            return reached
        return await self._wait_async(pool, position, timeout, seen, reached)

    @staticmethod
    def _position(wanted: Wanted, head: int, reached: int) -> int | None:
        """The position a read must wait for (None: none); a token past every commit is
        refused at once."""
        position = head if wanted == EVERYTHING else wanted
        if position is not None and position > max(head, reached):
            raise BeyondTheHead(position, head)
        return position

    async def _wait_async(
        self,
        pool: AsyncConnectionPool[AsyncConnection[DictRow]],
        position: int,
        timeout: float,
        seen: int,
        reached: int,
    ) -> int:
        """From a probe that found ``reached``: wait on the loop, probing on short-lived
        connections, until the watermark reaches ``position``."""
        waiting = _Waiting(self, position, timeout, seen)
        while (pause := waiting.pause(reached)) is not None:
            await waiting.sleep_async(pause)
            async with pool.connection() as conn:
                probe = await (await conn.execute(self._query, (self.streams,))).fetchone()
            assert probe is not None  # an aggregate without GROUP BY: always one row
            reached = int(probe["position"])
        return reached

    def watermark(self, conn: Connection[DictRow] | None = None) -> int:
        row = self._probe(self._query, conn)
        return int(row["position"])

    def wait_for(
        self, position: int, timeout: float, conn: Connection[DictRow] | None = None
    ) -> int:
        """Block until the watermark reaches ``position``; return the watermark reached.
        A position no commit has reached yet is refused at once (``BeyondTheHead``)."""
        seen = self.commits()
        row = self._probe(self._head_and_watermark, conn)
        head, reached = int(row["head"] or 0), int(row["position"])
        self._position(position, head, reached)
        return self._wait(position, timeout, conn, seen, reached)

    def wait_for_everything_committed(
        self, timeout: float, conn: Connection[DictRow] | None = None
    ) -> int:
        seen = self.commits()
        row = self._probe(self._head_and_watermark, conn)
        head, reached = int(row["head"] or 0), int(row["position"])
        return self._wait(head, timeout, conn, seen, reached)

    def _wait(
        self,
        position: int,
        timeout: float,
        conn: Connection[DictRow] | None,
        seen: int,
        reached: int,
    ) -> int:
        """From a probe that found ``reached`` after ``seen`` commits: wait for a commit (or
        a pause) before each probe that follows."""
        waiting = _Waiting(self, position, timeout, seen)
        while (pause := waiting.pause(reached)) is not None:
            waiting.sleep(pause)
            reached = self.watermark(conn)
        return reached

    def commits(self) -> int:
        return self.wakeups.commits(self.projection) if self.wakeups else 0

    def _probe(self, query: sql.Composed, conn: Connection[DictRow] | None) -> DictRow:
        """On the caller's connection when it has one (it is about to read the model)."""
        if conn is None:
            with self.pool.connection() as own:
                return self._probe(query, own)
        row = conn.execute(query, (self.streams,)).fetchone()
        assert row is not None  # an aggregate without GROUP BY: always one row
        return row


class _Waiting:
    """One read's wait, the same on a thread and on an event loop: before each probe of the
    watermark, a pause, cut short by a commit to the model since the last probe."""

    def __init__(self, freshness: Freshness, position: int, timeout: float, seen: int) -> None:
        self._freshness = freshness
        self._position = position
        self._pauses = _pauses(time.monotonic() + timeout)
        self._seen = seen  # commits to the model counted before the last probe

    def pause(self, reached: int) -> float | None:
        """The pause before the next probe; None once ``reached`` is enough."""
        if reached >= self._position:
            return None
        pause = next(self._pauses)
        if pause is None:
            raise NotFreshEnough(self._freshness.projection, self._position, reached)
        return pause

    def sleep(self, pause: float) -> None:
        wakeups = self._freshness.wakeups
        if wakeups:
            wakeups.wait(self._freshness.projection, self._seen, pause)
        else:
            time.sleep(pause)
        self._seen = self._freshness.commits()

    async def sleep_async(self, pause: float) -> None:
        wakeups = self._freshness.wakeups
        if wakeups:
            await wakeups.wait_async(self._freshness.projection, self._seen, pause)
        else:
            await asyncio.sleep(pause)
        self._seen = self._freshness.commits()


def _pauses(deadline: float) -> Iterator[float | None]:
    """How long a waiting read pauses before each probe: growing from 1 ms to 50 ms, cut
    short by a commit to its model; None once the deadline has passed."""
    delay = 0.001
    while True:
        left = deadline - time.monotonic()
        yield min(delay, left) if left > 0 else None
        delay = min(delay * 2, 0.05)
