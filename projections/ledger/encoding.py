"""The canonical bytes of a stored event and how the chain links them (format version 1).

A stored event is the row eventsourcing wrote: notification id (its position), originator id,
originator version, topic and state. Its leaf hash is

    sha256(0x00 || u64(position) || u32(len id) || id || u64(version)
                || u32(len topic) || topic || u32(len state) || state)

with integers big-endian and text UTF-8, and the chain's head after it is

    sha256(0x01 || previous head || leaf)

starting from 32 zero bytes. The 0x00 and 0x01 prefixes keep a leaf from ever being read as a
link (as RFC 6962 separates leaves from nodes). ``schema.py`` computes the same in SQL.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

GENESIS = bytes(32)
LEAF_PREFIX = b"\x00"
LINK_PREFIX = b"\x01"


@dataclass(frozen=True)
class StoredEvent:
    position: int
    originator_id: str
    originator_version: int
    topic: str
    state: bytes


def leaf_hash(event: StoredEvent) -> bytes:
    originator = event.originator_id.encode()
    topic = event.topic.encode()
    return hashlib.sha256(
        b"".join(
            (
                LEAF_PREFIX,
                struct.pack(">qI", event.position, len(originator)),
                originator,
                struct.pack(">qI", event.originator_version, len(topic)),
                topic,
                struct.pack(">I", len(event.state)),
                event.state,
            )
        )
    ).digest()


def link(head: bytes, leaf: bytes) -> bytes:
    return hashlib.sha256(LINK_PREFIX + head + leaf).digest()
