"""Use cases of the environment: its first start, and API keys."""

from __future__ import annotations

import contextlib

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain import api_keys
from domain.api_keys import ApiKey
from domain.commands.base import Commands, Committed, retry_on_conflict
from domain.environment import ENVIRONMENT_ID, Environment
from domain.errors import Conflict
from domain.events import EventContext, IdgovAggregate


class EnvironmentCommands(Commands):
    def create_api_key(
        self, context: EventContext, *, name: str, secret: str | None = None
    ) -> tuple[Committed[ApiKey], str]:
        secret = secret or api_keys.new_secret()
        key = self._new_api_key(context, name=name, secret=secret)
        try:
            return self._commit(key, key), secret
        except IntegrityError:
            raise Conflict("This API key already exists.", code="api_key_already_exists") from None

    @staticmethod
    def _new_api_key(context: EventContext, *, name: str, secret: str) -> ApiKey:
        hint = secret[:7] + "…" + secret[-4:]
        return ApiKey(
            name=name, secret_digest=api_keys.digest(secret), display_hint=hint, context=context
        )

    def authenticate(self, secret: str) -> ApiKey | None:
        if not secret.startswith(api_keys.SECRET_PREFIX):
            return None
        try:
            key: IdgovAggregate = self.repository.get(api_keys.key_id_for(secret))
        except AggregateNotFoundError:
            return None
        return key if isinstance(key, ApiKey) and key.matches(secret) else None

    def initialize_environment(
        self, context: EventContext, *, admin_secret: str | None = None
    ) -> str | None:
        """On first start, create the environment and its admin API key; return the new secret.

        Later starts change nothing, except that a given ``admin_secret`` not yet known is
        added as a key (so automation can always rely on the key it configured).
        """
        missing = self._missing_on_start(context)
        try:
            self.repository.get(ENVIRONMENT_ID)
        except AggregateNotFoundError:
            secret = admin_secret or api_keys.new_secret()
            key = self._new_api_key(context, name="admin", secret=secret)
            try:
                self.save(key, Environment(admin_api_key_id=key.id, context=context), *missing)
            except IntegrityError:  # another process initialised it first
                return None
            return secret
        if missing:
            with contextlib.suppress(IntegrityError):  # another process created them first
                self.save(*missing)
        if admin_secret is not None and self.authenticate(admin_secret) is None:
            self.create_api_key(context, name="bootstrap", secret=admin_secret)
        return None

    @retry_on_conflict
    def revoke_api_key(self, context: EventContext, key_id: str) -> Committed[ApiKey]:
        key = self._load(ApiKey, key_id, "API key")
        if not key.revoked:
            key.revoke(context)
        return self._commit(key, key)
