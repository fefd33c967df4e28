"""How fresh a read model is, and waiting until it is fresh enough.

A read model's watermark is the event-store position up to which it has applied every
event (the minimum over the streams that feed it). A read that must see everything
committed before it began waits until the watermark reaches the event store's current
position; a read carrying a consistency token waits for that position only.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from psycopg import Connection
from psycopg.rows import DictRow
from psycopg_pool import ConnectionPool

from projections.base import watermark_sql


class NotFreshEnough(Exception):
    def __init__(self, projection: str, wanted: int, reached: int) -> None:
        super().__init__(f"read model {projection!r} reached position {reached}, not {wanted}")
        self.projection = projection
        self.wanted = wanted
        self.reached = reached


class Freshness:
    def __init__(
        self,
        pool: ConnectionPool[Connection[DictRow]],
        projection: str,
        streams: str,
        event_store_position: Callable[[], int],
    ) -> None:
        self.pool = pool
        self.projection = projection
        self.streams = streams  # a LIKE pattern over the model's stream names
        self.event_store_position = event_store_position
        self._query = watermark_sql(projection)

    def watermark(self) -> int:
        with self.pool.connection() as conn:
            row = conn.execute(self._query, (self.streams,)).fetchone()
        return int(row["position"]) if row else 0

    def wait_for(self, position: int, timeout: float) -> int:
        """Block until the watermark reaches ``position``; return the watermark reached."""
        deadline = time.monotonic() + timeout
        delay = 0.0005
        while True:
            reached = self.watermark()
            if reached >= position:
                return reached
            if time.monotonic() >= deadline:
                raise NotFreshEnough(self.projection, position, reached)
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 0.02)

    def wait_for_everything_committed(self, timeout: float) -> int:
        return self.wait_for(self.event_store_position(), timeout)
