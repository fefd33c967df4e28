"""Use cases of API keys: creating, authenticating and revoking them."""

from __future__ import annotations

from dataclasses import dataclass

from eventsourcing.persistence import IntegrityError

from domain import api_keys
from domain.api_keys import ApiKey
from domain.errors import Conflict
from domain.events import EventContext
from domain.store import Committed, EventStore, retry_on_conflict


def new_api_key(context: EventContext, *, name: str, secret: str) -> ApiKey:
    hint = secret[:7] + "…" + secret[-4:]
    return ApiKey(
        name=name, secret_digest=api_keys.digest(secret), display_hint=hint, context=context
    )


@dataclass(frozen=True)
class ApiKeyService:
    store: EventStore

    def create_api_key(
        self, context: EventContext, *, name: str, secret: str | None = None
    ) -> tuple[Committed[ApiKey], str]:
        """The new key and its secret, which is shown once and stored only as a digest."""
        secret = secret or api_keys.new_secret()
        key = new_api_key(context, name=name, secret=secret)
        try:
            return self.store.commit(key, key), secret
        except IntegrityError:
            raise Conflict("This API key already exists.", code="api_key_already_exists") from None

    def authenticate(self, secret: str) -> ApiKey | None:
        if not secret.startswith(api_keys.SECRET_PREFIX):
            return None
        key = self.store.find(ApiKey, api_keys.key_id_for(secret))
        return key if key is not None and key.matches(secret) else None

    @retry_on_conflict
    def revoke_api_key(self, context: EventContext, key_id: str) -> Committed[ApiKey]:
        key = self.store.load(ApiKey, key_id, "API key")
        if not key.revoked:
            key.revoke(context)
        return self.store.commit(key, key)
