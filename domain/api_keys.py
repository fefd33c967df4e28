"""The ApiKey aggregate: a secret that authenticates calls to the API.

The secret itself is never stored. What finds a key from a secret is a claim on the secret's
keyed digest (HMAC-SHA-256 under the server's secret key), an internal fact that never leaves
the event store: without the server's key, a digest cannot be tested against guesses. The
key's id is random, unrelated to its secret, and its public events carry only its name, a
hint of the secret (its first and last characters) and what the key may do: its scopes and the
organizations it is restricted to (none: every organization).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any, Literal, get_args

from eventsourcing.domain import event

from domain import ids
from domain.events import EventContext, IdgovAggregate

SECRET_PREFIX = "sk_"  # noqa: S105 (the public prefix of every key, not a secret)

# admin: everything; read: every read (GETs, checks); audit:read: the audit trail (history,
# as-of reads). A key holds one or more.
Scope = Literal["admin", "read", "audit:read"]
SCOPES: tuple[Scope, ...] = get_args(Scope)


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32).replace("-", "_")


def new_key_id() -> str:
    return ids.new_id(ids.API_KEY)


def keyed_digest(secret: str, server_key: bytes) -> str:
    """What the event store keeps of a secret: its HMAC under the server's key."""
    return hmac.new(server_key, secret.encode(), hashlib.sha256).hexdigest()


def hint(secret: str) -> str:
    """Enough of a secret for a person to tell keys apart, too little to guess it."""
    return secret[:7] + "…" + secret[-4:]


class ApiKey(IdgovAggregate):
    class Created(IdgovAggregate.Created):
        # Version 1 also carried the secret's plain SHA-256 (``secret_digest``), which a
        # subscriber could test guesses against: it is no longer read or published.
        # Versions 1 and 2 had no scopes: every key could do everything, in every organization.
        class_version = 3
        name: str
        display_hint: str
        scopes: tuple[Scope, ...]
        organization_ids: tuple[str, ...]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> dict[str, Any]:
            state.pop("secret_digest", None)
            return state

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> dict[str, Any]:
            return {**state, "scopes": ["admin"], "organization_ids": []}

    @event(Created)
    def __init__(
        self,
        id: str,
        name: str,
        display_hint: str,
        scopes: tuple[Scope, ...],
        organization_ids: tuple[str, ...],
        context: EventContext,
    ) -> None:
        self.name = name
        self.display_hint = display_hint
        self.scopes = scopes
        self.organization_ids = organization_ids
        self.revoked = False

    class Revoked(IdgovAggregate.Event):
        pass

    @event(Revoked)
    def revoke(self, context: EventContext) -> None:
        self.revoked = True
