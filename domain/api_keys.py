"""The ApiKey aggregate: a secret that authenticates calls to the API.

Only a SHA-256 digest of the secret is ever stored. The aggregate id is derived
from that digest, so authenticating a request is a single lookup by id.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from eventsourcing.domain import event

from domain import ids
from domain.events import EventContext, IdgovAggregate

SECRET_PREFIX = "sk_"  # noqa: S105 (the public prefix of every key, not a secret)


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32).replace("-", "_")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def key_id_for(secret: str) -> str:
    return f"{ids.API_KEY}_{digest(secret)[:40]}"


class ApiKey(IdgovAggregate):
    @staticmethod
    def create_id(secret_digest: str, **_: object) -> str:
        return f"{ids.API_KEY}_{secret_digest[:40]}"

    class Created(IdgovAggregate.Created):
        name: str
        secret_digest: str
        display_hint: str

    @event(Created)
    def __init__(
        self, name: str, secret_digest: str, display_hint: str, context: EventContext
    ) -> None:
        self.name = name
        self.secret_digest = secret_digest
        self.display_hint = display_hint
        self.revoked = False

    def matches(self, secret: str) -> bool:
        return not self.revoked and hmac.compare_digest(self.secret_digest, digest(secret))

    class Revoked(IdgovAggregate.Event):
        pass

    @event(Revoked)
    def revoke(self, context: EventContext) -> None:
        self.revoked = True
