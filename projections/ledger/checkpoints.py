"""Signed checkpoints: the chain's head at a position, signed with Ed25519 at a time.

What is signed is the UTF-8 text (in the spirit of transparency logs' checkpoint notes)::

    idgov checkpoint v1
    <position>
    <head, hex>
    <signed at, ISO 8601 UTC with microseconds>

A checkpoint held outside the database (exported, or read from Kafka) pins the history up to
its position: whoever rewrites that history cannot sign a matching head without the key.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict

from projections.ledger.encoding import GENESIS


class Head(BaseModel):
    model_config = ConfigDict(frozen=True)

    position: int
    head: bytes


class Checkpoint(BaseModel):
    """As exported and published: ``head`` in hex, ``signature`` in base64."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    position: int
    head: str
    signed_at: datetime
    signature: str

    def signed_text(self) -> bytes:
        return signed_text(self.position, bytes.fromhex(self.head), self.signed_at)

    def is_signed_by(self, key: Ed25519PublicKey) -> bool:
        try:
            key.verify(base64.b64decode(self.signature, validate=True), self.signed_text())
        except (InvalidSignature, ValueError):
            return False
        return True


def signed_text(position: int, head: bytes, signed_at: datetime) -> bytes:
    moment = signed_at.astimezone(UTC).isoformat(timespec="microseconds")
    return f"idgov checkpoint v1\n{position}\n{head.hex()}\n{moment}\n".encode()


def sign(key: Ed25519PrivateKey, head: Head, signed_at: datetime) -> Checkpoint:
    signature = key.sign(signed_text(head.position, head.head, signed_at))
    return Checkpoint(
        position=head.position,
        head=head.head.hex(),
        signed_at=signed_at.astimezone(UTC),
        signature=base64.b64encode(signature).decode(),
    )


def chain_head(conn: psycopg.Connection[Any]) -> Head:
    """The chain's last link; position 0 and the genesis hash while it is empty."""
    row = conn.execute(
        "SELECT position, head FROM ledger.chain ORDER BY position DESC LIMIT 1"
    ).fetchone()
    return Head(position=row[0], head=bytes(row[1])) if row else Head(position=0, head=GENESIS)


def record(conn: psycopg.Connection[Any], checkpoint: Checkpoint) -> bool:
    """Store the checkpoint; False when one at that position is stored already."""
    cursor = conn.execute(
        "INSERT INTO ledger.checkpoints (position, head, signed_at, signature)"
        " VALUES (%s, %s, %s, %s) ON CONFLICT (position) DO NOTHING",
        (
            checkpoint.position,
            bytes.fromhex(checkpoint.head),
            checkpoint.signed_at,
            base64.b64decode(checkpoint.signature),
        ),
    )
    return cursor.rowcount == 1


_SELECT = "SELECT position, head, signed_at, signature FROM ledger.checkpoints"


def stored(conn: psycopg.Connection[Any]) -> Iterator[Checkpoint]:
    """Every stored checkpoint, by position."""
    for row in conn.execute(f"{_SELECT} ORDER BY position"):
        yield _checkpoint(*row)


def latest(conn: psycopg.Connection[Any]) -> Checkpoint | None:
    row = conn.execute(f"{_SELECT} ORDER BY position DESC LIMIT 1").fetchone()
    return _checkpoint(*row) if row else None


def _checkpoint(position: int, head: bytes, signed_at: datetime, signature: bytes) -> Checkpoint:
    return Checkpoint(
        position=position,
        head=bytes(head).hex(),
        signed_at=signed_at,
        signature=base64.b64encode(bytes(signature)).decode(),
    )
