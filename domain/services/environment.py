"""The environment's first start: the aggregates every installation has, and its admin key.

Like a WorkOS environment, every environment starts with two organization-level roles,
``admin`` above ``member`` (the default), both without permissions: ``admin`` is a regular
environment role the application gives meaning to. An environment created before ``admin``
was seeded gets it once, on its next start, as a ``role.created`` event; it is never seeded
again, so an environment that deletes it keeps it deleted.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from eventsourcing.persistence import IntegrityError

from domain import api_keys
from domain.authorization_schema import ROOT_TYPE, SCHEMA_ID, AuthorizationSchema
from domain.environment import ENVIRONMENT_ID, Environment
from domain.events import EventContext
from domain.services.api_keys import ApiKeyService
from domain.store import EventStore, new_schema

ADMIN_ROLE = "admin"


@dataclass(frozen=True)
class EnvironmentService:
    store: EventStore
    keys: ApiKeyService

    def _seed_admin_role(
        self, environment: Environment, schema: AuthorizationSchema, context: EventContext
    ) -> None:
        """Give the environment ``admin`` above every other role, unless a role has the slug."""
        if ADMIN_ROLE not in schema.roles:
            schema.create_role(ADMIN_ROLE, "Admin", None, ROOT_TYPE, context)
            others = tuple(slug for slug in schema.roles if slug != ADMIN_ROLE)
            schema.set_priority_order((ADMIN_ROLE, *others), context)
        environment.admin_role_given(context)

    def initialize_environment(
        self, context: EventContext, *, admin_secret: str | None = None
    ) -> str | None:
        """On first start, create the environment and its admin API key; return the new secret.

        Later starts change nothing, except that a given ``admin_secret`` not yet known is
        added as a key (so automation can always rely on the key it configured).
        """
        environment = self.store.find(Environment, ENVIRONMENT_ID)
        schema = self.store.find(AuthorizationSchema, SCHEMA_ID) or new_schema(context)
        if environment is None:
            secret = admin_secret or api_keys.new_secret()
            key, claim = self.keys.new_key(context, name="admin", secret=secret)
            environment = Environment(admin_api_key_id=key.id, context=context)
            self._seed_admin_role(environment, schema, context)
            try:
                self.store.save(key, claim, environment, schema)
            except IntegrityError:  # another process initialised it first
                return None
            return secret
        if not environment.admin_role_seeded:
            self._seed_admin_role(environment, schema, context)
        with contextlib.suppress(IntegrityError):  # another process completed it first
            self.store.save(environment, schema)
        if admin_secret is not None and self.keys.authenticate(admin_secret) is None:
            self.keys.create_api_key(context, name="bootstrap", secret=admin_secret)
        return None
