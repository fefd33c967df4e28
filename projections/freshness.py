"""How fresh a read model is, and waiting until it is fresh enough.

A read model's watermark is the event-store position up to which it has applied every
event (the minimum over the streams that feed it). A read that must see everything
committed before it began waits until the watermark reaches the event store's current
position (its head); a read carrying a consistency token waits for that position only.
Head and watermark are read in one statement: a model that is already fresh costs one round
trip.
"""

from __future__ import annotations

import time

from psycopg import Connection, sql
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
        event_store_head: sql.Composed,
    ) -> None:
        """``event_store_head``: a query for the event store's last position, in the same
        database as the model."""
        self.pool = pool
        self.projection = projection
        self.streams = streams  # a LIKE pattern over the model's stream names
        self._query = watermark_sql(projection)
        self._head_and_watermark = sql.SQL("SELECT ({0}) AS head, ({1}) AS position").format(
            event_store_head, self._query
        )

    def watermark(self, conn: Connection[DictRow] | None = None) -> int:
        row = self._probe(self._query, conn)
        return int(row["position"])

    def wait_for(
        self, position: int, timeout: float, conn: Connection[DictRow] | None = None
    ) -> int:
        """Block until the watermark reaches ``position``; return the watermark reached."""
        deadline = time.monotonic() + timeout
        delay = 0.0005
        while True:
            reached = self.watermark(conn)
            if reached >= position:
                return reached
            if time.monotonic() >= deadline:
                raise NotFreshEnough(self.projection, position, reached)
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 0.02)

    def wait_for_everything_committed(
        self, timeout: float, conn: Connection[DictRow] | None = None
    ) -> int:
        row = self._probe(self._head_and_watermark, conn)
        head, reached = int(row["head"] or 0), int(row["position"])
        return reached if reached >= head else self.wait_for(head, timeout, conn)

    def _probe(self, query: sql.Composed, conn: Connection[DictRow] | None) -> DictRow:
        """On the caller's connection when it has one (it is about to read the model)."""
        if conn is None:
            with self.pool.connection() as own:
                return self._probe(query, own)
        row = conn.execute(query, (self.streams,)).fetchone()
        assert row is not None  # an aggregate without GROUP BY: always one row
        return row
