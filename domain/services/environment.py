"""The environment's first start: the aggregates every installation has, and its admin key."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from eventsourcing.persistence import IntegrityError

from domain import api_keys
from domain.authorization_schema import SCHEMA_ID, AuthorizationSchema
from domain.environment import ENVIRONMENT_ID, Environment
from domain.events import EventContext, IdgovAggregate
from domain.services.api_keys import ApiKeyService
from domain.store import EventStore, new_schema


@dataclass(frozen=True)
class EnvironmentService:
    store: EventStore
    keys: ApiKeyService

    def _missing(self, context: EventContext) -> list[IdgovAggregate]:
        """Aggregates every environment must have, not yet saved."""
        if self.store.find(AuthorizationSchema, SCHEMA_ID) is None:
            return [new_schema(context)]
        return []

    def initialize_environment(
        self, context: EventContext, *, admin_secret: str | None = None
    ) -> str | None:
        """On first start, create the environment and its admin API key; return the new secret.

        Later starts change nothing, except that a given ``admin_secret`` not yet known is
        added as a key (so automation can always rely on the key it configured).
        """
        missing = self._missing(context)
        if self.store.find(Environment, ENVIRONMENT_ID) is None:
            secret = admin_secret or api_keys.new_secret()
            key, claim = self.keys.new_key(context, name="admin", secret=secret)
            try:
                self.store.save(
                    key, claim, Environment(admin_api_key_id=key.id, context=context), *missing
                )
            except IntegrityError:  # another process initialised it first
                return None
            return secret
        if missing:
            with contextlib.suppress(IntegrityError):  # another process created them first
                self.store.save(*missing)
        if admin_secret is not None and self.keys.authenticate(admin_secret) is None:
            self.keys.create_api_key(context, name="bootstrap", secret=admin_secret)
        return None
