"""What the API needs from the rest of the system; the composition root provides it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from psycopg import Connection
from psycopg.rows import DictRow
from psycopg_pool import ConnectionPool

from domain.application import IdentityApplication
from projections.freshness import Freshness


@dataclass
class Services:
    commands: IdentityApplication
    reads: ConnectionPool[Connection[DictRow]]
    freshness: dict[str, Freshness]
    consistency_timeout: float
    mode: str  # "embedded" or "kafka"
    extra_health: Callable[[], dict[str, Any]] = field(default=lambda: {})
