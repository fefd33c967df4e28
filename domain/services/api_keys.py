"""Use cases of API keys: creating, authenticating and revoking them."""

from __future__ import annotations

from dataclasses import dataclass

from domain import api_keys
from domain.api_keys import ApiKey
from domain.errors import Conflict
from domain.events import EventContext, IdgovAggregate
from domain.services import claims
from domain.store import Committed, EventStore, retry_on_conflict


@dataclass(frozen=True)
class ApiKeyService:
    store: EventStore
    server_key: bytes  # the HMAC key of secrets' digests (IDGOV_SECRET_KEY)

    def new_key(self, context: EventContext, *, name: str, secret: str) -> list[IdgovAggregate]:
        """A key and the claim that finds it from its secret, not yet saved."""
        key = ApiKey(
            id=api_keys.new_key_id(), name=name, display_hint=api_keys.hint(secret), context=context
        )
        claim = self.store.take(
            claims.API_KEY_SECRET,
            api_keys.keyed_digest(secret, self.server_key),
            key.id,
            context,
            Conflict("This API key already exists.", code="api_key_already_exists"),
        )
        return [key, claim]

    @retry_on_conflict
    def create_api_key(
        self, context: EventContext, *, name: str, secret: str | None = None
    ) -> tuple[Committed[ApiKey], str]:
        """The new key and its secret, which is shown once and never stored."""
        secret = secret or api_keys.new_secret()
        key, claim = self.new_key(context, name=name, secret=secret)
        assert isinstance(key, ApiKey)
        return self.store.commit(key, key, claim), secret

    def authenticate(self, secret: str) -> ApiKey | None:
        if not secret.startswith(api_keys.SECRET_PREFIX):
            return None
        owner = self.store.owner(
            claims.API_KEY_SECRET, api_keys.keyed_digest(secret, self.server_key)
        )
        key = self.store.find(ApiKey, owner) if owner is not None else None
        return key if key is not None and not key.revoked else None

    @retry_on_conflict
    def revoke_api_key(self, context: EventContext, key_id: str) -> Committed[ApiKey]:
        key = self.store.load(ApiKey, key_id, "API key")
        if not key.revoked:
            key.revoke(context)
        return self.store.commit(key, key)
