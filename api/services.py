"""What the API needs from the rest of the system; the composition root provides it."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from cachetools import TTLCache
from psycopg import AsyncConnection, Connection
from psycopg.rows import DictRow
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from domain.api_keys import ApiKey, Scope
from domain.application import IdentityApplication
from domain.events import Actor
from projections.freshness import Freshness


@dataclass(frozen=True)
class Grant:
    """What a request's API key may do: its scopes, in its organizations (none: all)."""

    actor: Actor
    scopes: frozenset[Scope]
    organization_ids: frozenset[str]

    @classmethod
    def of(cls, key: ApiKey) -> Grant:
        actor = Actor(type="api_key", id=key.id, name=key.name)
        return cls(actor, frozenset(key.scopes), frozenset(key.organization_ids))

    def allows(self, scope: Scope) -> bool:
        return "admin" in self.scopes or scope in self.scopes


class KnownKeys:
    """API keys recently found valid, so that most requests do not load their key from the
    event store. A key revoked through this process is forgotten at once; one revoked
    elsewhere keeps working here for at most ``ttl`` seconds."""

    def __init__(self, commands: IdentityApplication, ttl: float, size: int = 10_000) -> None:
        self.commands = commands
        self._grants: TTLCache[str, Grant] = TTLCache(maxsize=size, ttl=ttl)
        self._lock = threading.Lock()

    def remembered(self, secret: str) -> Grant | None:
        """The key's grant if it was found valid lately; never blocks."""
        with self._lock:
            return self._grants.get(_cache_key(secret))

    def grant(self, secret: str) -> Grant | None:
        """The key's grant, loading the key from the event store unless remembered."""
        cache_key = _cache_key(secret)
        with self._lock:
            grant = self._grants.get(cache_key)
        if grant is not None:
            return grant
        key = self.commands.api_keys.authenticate(secret)
        if key is None:
            return None  # not remembered: a key created a moment later works at once
        grant = Grant.of(key)
        with self._lock:
            self._grants[cache_key] = grant
        return grant

    def forget(self, key_id: str) -> None:
        """Stop trusting a key at once (it was revoked)."""
        with self._lock:
            for cache_key, grant in list(self._grants.items()):
                if grant.actor.id == key_id:
                    del self._grants[cache_key]


def _cache_key(secret: str) -> str:
    """Keys are remembered by a digest of their secret, never by the secret (memory only)."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IdempotencyKeys:
    """Where keys are kept: a connection per keyed request in flight (it holds the request's
    lock, which a crash releases with the connection), and how long answers are kept."""

    pool: AsyncConnectionPool[AsyncConnection[DictRow]]
    ttl: timedelta


@dataclass
class Services:
    commands: IdentityApplication
    keys: KnownKeys
    reads: ConnectionPool[Connection[DictRow]]
    statement_reads: AsyncConnectionPool[AsyncConnection[DictRow]]  # served on the event loop
    freshness: dict[str, Freshness]
    consistency_timeout: float
    mode: str  # "embedded" or "kafka"
    idempotency_keys: IdempotencyKeys
    extra_health: Callable[[], dict[str, Any]] = field(default=lambda: {})
    max_body_bytes: int = 1 << 20
