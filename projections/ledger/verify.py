"""Recompute the chain from the stored events and name the first position where history no
longer matches it or a signed checkpoint.

The events and the chain's links are read in position order from one snapshot, side by side,
and every hash is recomputed here, in Python, independently of the SQL that wrote them:

- an event whose leaf differs from its link's was **edited**, or **reordered** when the event
  chained there is now stored at another position;
- a link without its event, or whose ``previous`` skips a position: **removed**;
- an event without a link bypassed the chain: **unchained**;
- a link whose head is not the hash of the head before it and its leaf: **rewritten**;
- a checkpoint whose signature fails: **forged**; whose head differs from the head recomputed
  at its position: **rewritten** (events and links changed together since the checkpoint
  before); whose position is no longer stored: **removed**; or past the end: **truncated**.

Only a checkpoint reveals a rewritten chain or a truncated tail: verify against the latest one
held outside the database.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from contextlib import closing
from dataclasses import asdict, dataclass
from typing import Any, Literal

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from psycopg import sql

from projections.ledger.checkpoints import Checkpoint
from projections.ledger.encoding import GENESIS, StoredEvent, leaf_hash, link

Kind = Literal["edited", "reordered", "removed", "unchained", "rewritten", "forged", "truncated"]
FETCH_ROWS = 5000


@dataclass(frozen=True)
class Finding:
    kind: Kind
    position: int
    message: str


@dataclass
class Verdict:
    events: int = 0
    position: int = 0  # the last position verified
    head: bytes = GENESIS
    checkpoints: int = 0  # checkpoints whose head was verified
    finding: Finding | None = None

    def report(self) -> dict[str, Any]:
        return {
            "ok": self.finding is None,
            "events": self.events,
            "position": self.position,
            "head": self.head.hex(),
            "checkpoints": self.checkpoints,
            "finding": None if self.finding is None else asdict(self.finding),
        }


@dataclass(frozen=True)
class Link:
    position: int
    previous: int
    leaf: bytes
    head: bytes


def verify(
    conn: psycopg.Connection[Any],
    events: sql.Composable,
    checkpoints: Iterable[Checkpoint],
    key: Ed25519PublicKey,
) -> Verdict:
    """Verify the events table ``events`` (schema-qualified) against its chain and
    ``checkpoints``, signed by ``key``; stops at the first finding."""
    verdict = Verdict()
    pending = sorted({c.position: c for c in checkpoints}.values(), key=lambda c: c.position)
    forged = next((c for c in pending if not c.is_signed_by(key)), None)
    if forged is not None:
        verdict.finding = Finding(
            "forged",
            forged.position,
            f"the checkpoint at position {forged.position} is not signed by this key",
        )
        return verdict
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        with (
            closing(_stored_events(conn, events, "ledger_events")) as stored,
            closing(_links(conn)) as links,
        ):
            for event, chained in _side_by_side(stored, links):
                verdict.finding = _step(verdict, pending, event, chained)
                if verdict.finding is not None:
                    break
        if verdict.finding is not None:
            if verdict.finding.kind == "edited":
                verdict.finding = _moved(conn, events, verdict.finding) or verdict.finding
            return verdict
    if pending:
        verdict.finding = Finding(
            "truncated",
            verdict.position + 1,
            f"history ends at position {verdict.position}, but a checkpoint signed at "
            f"{pending[0].signed_at.isoformat()} covers position {pending[0].position}",
        )
    return verdict


def _step(
    verdict: Verdict, pending: list[Checkpoint], event: StoredEvent | None, chained: Link | None
) -> Finding | None:
    """Verify one position, advancing ``verdict``; the finding there, if any."""
    position = event.position if event is not None else chained.position  # type: ignore[union-attr]
    if pending and pending[0].position < position:
        gone = pending[0].position
        return Finding("removed", gone, f"position {gone}, which a checkpoint covers, was removed")
    if chained is None:
        return Finding("unchained", position, f"the event at position {position} is not chained")
    if chained.previous > verdict.position:
        gone = chained.previous
        return Finding("removed", gone, f"the event at position {gone} was removed")
    if chained.previous < verdict.position:
        return Finding("rewritten", position, f"the chain was rewritten at position {position}")
    if event is None:
        return Finding("removed", position, f"the event at position {position} was removed")
    leaf = leaf_hash(event)
    if leaf != chained.leaf:
        return Finding("edited", position, f"the event at position {position} was edited")
    if link(verdict.head, leaf) != chained.head:
        return Finding("rewritten", position, f"the chain was rewritten at position {position}")
    verdict.events += 1
    verdict.position, verdict.head = position, chained.head
    if pending and pending[0].position == position:
        checkpoint = pending.pop(0)
        if checkpoint.head != chained.head.hex():
            return Finding(
                "rewritten",
                position,
                f"history up to position {position} differs from the checkpoint signed at "
                f"{checkpoint.signed_at.isoformat()}",
            )
        verdict.checkpoints += 1
    return None


def _moved(
    conn: psycopg.Connection[Any], events: sql.Composable, edited: Finding
) -> Finding | None:
    """The event chained at the edited position, if it is now stored at another one."""
    position = edited.position
    chained = conn.execute(
        "SELECT leaf FROM ledger.chain WHERE position = %s", (position,)
    ).fetchone()
    assert chained is not None
    with closing(_stored_events(conn, events, "ledger_moved")) as stored:
        for event in stored:
            there = StoredEvent(
                position, event.originator_id, event.originator_version, event.topic, event.state
            )
            if event.position != position and leaf_hash(there) == bytes(chained[0]):
                return Finding(
                    "reordered",
                    position,
                    f"the event chained at position {position} is stored at position "
                    f"{event.position}",
                )
    return None


def _side_by_side(
    events: Iterator[StoredEvent], links: Iterator[Link]
) -> Iterator[tuple[StoredEvent | None, Link | None]]:
    """Events and links merged by position, paired where both are there."""
    event, chained = next(events, None), next(links, None)
    while event is not None or chained is not None:
        if chained is None or (event is not None and event.position < chained.position):
            yield event, None
            event = next(events, None)
        elif event is None or chained.position < event.position:
            yield None, chained
            chained = next(links, None)
        else:
            yield event, chained
            event, chained = next(events, None), next(links, None)


def _stored_events(
    conn: psycopg.Connection[Any], events: sql.Composable, cursor: str
) -> Generator[StoredEvent, None, None]:
    query = sql.SQL(
        "SELECT notification_id, originator_id, originator_version, coalesce(topic, ''),"
        " coalesce(state, '') FROM {0} ORDER BY notification_id"
    ).format(events)
    with conn.cursor(name=cursor) as rows:
        rows.itersize = FETCH_ROWS
        for position, originator_id, version, topic, state in rows.execute(query):
            yield StoredEvent(position, originator_id, version, topic, bytes(state))


def _links(conn: psycopg.Connection[Any]) -> Generator[Link, None, None]:
    with conn.cursor(name="ledger_links") as rows:
        rows.itersize = FETCH_ROWS
        query = "SELECT position, previous, leaf, head FROM ledger.chain ORDER BY position"
        for position, previous, leaf, head in rows.execute(query):
            yield Link(position, previous, bytes(leaf), bytes(head))
