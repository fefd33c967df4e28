"""Use cases of API keys: creating, listing, authenticating and revoking them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from eventsourcing.utils import get_topic

from domain import api_keys
from domain.api_keys import ApiKey, Scope
from domain.errors import Conflict, Invalid
from domain.events import EventContext, IdgovAggregate
from domain.organizations import Organization
from domain.services import claims
from domain.store import Committed, EventStore, retry_on_conflict

ADMIN: tuple[Scope, ...] = ("admin",)
_PAGE = 1000


@dataclass(frozen=True)
class ApiKeyService:
    store: EventStore
    server_key: bytes  # the HMAC key of secrets' digests (IDGOV_SECRET_KEY)

    def new_key(
        self,
        context: EventContext,
        *,
        name: str,
        secret: str,
        scopes: tuple[Scope, ...] = ADMIN,
        organization_ids: tuple[str, ...] = (),
    ) -> list[IdgovAggregate]:
        """A key and the claim that finds it from its secret, not yet saved."""
        key = ApiKey(
            id=api_keys.new_key_id(),
            name=name,
            display_hint=api_keys.hint(secret),
            scopes=tuple(dict.fromkeys(scopes)),
            organization_ids=tuple(dict.fromkeys(organization_ids)),
            context=context,
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
        self,
        context: EventContext,
        *,
        name: str,
        secret: str | None = None,
        scopes: tuple[Scope, ...] = ADMIN,
        organization_ids: tuple[str, ...] = (),
    ) -> tuple[Committed[ApiKey], str]:
        """The new key and its secret, which is shown once and never stored."""
        if not scopes:
            raise Invalid("A key needs at least one scope.", code="required", field="scopes")
        for organization_id in organization_ids:
            if self.store.find(Organization, organization_id) is None:
                raise Invalid(
                    f"Organization not found: '{organization_id}'.",
                    code="organization_not_found",
                    field="organization_ids",
                )
        secret = secret or api_keys.new_secret()
        key, claim = self.new_key(
            context, name=name, secret=secret, scopes=scopes, organization_ids=organization_ids
        )
        assert isinstance(key, ApiKey)
        return self.store.commit(key, key, claim), secret

    def api_keys(self) -> Iterator[ApiKey]:
        """Every key, revoked ones too, oldest first (from the event store: keys are few)."""
        start: int | None = None
        while True:
            created = self.store.recorder.select_notifications(
                start, _PAGE, topics=[get_topic(ApiKey.Created)], inclusive_of_start=False
            )
            for notification in created:
                yield self.store.load(ApiKey, str(notification.originator_id), "API key")
            if len(created) < _PAGE:
                return
            start = created[-1].id

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
