"""The API's memory of checked keys: it saves event-store reads, and forgets within its TTL."""

from __future__ import annotations

from api.services import KnownKeys
from domain.application import IdentityApplication
from domain.events import Actor, EventContext
from tests.unit.log_index import in_memory_app

CONTEXT = EventContext(actor=Actor(type="system", id="tests"), source="system")


def _app_with_key() -> tuple[IdentityApplication, str, str]:
    app = in_memory_app()
    app.environment.initialize_environment(CONTEXT)
    created, secret = app.api_keys.create_api_key(CONTEXT, name="ci")
    return app, created.value.id, secret


def test_a_valid_key_is_remembered_and_a_revoked_one_forgotten_after_the_ttl() -> None:
    app, key_id, secret = _app_with_key()
    remembering, checking = KnownKeys(app, ttl=3600), KnownKeys(app, ttl=0)
    for keys in (remembering, checking):
        grant = keys.grant(secret)
        assert grant is not None
        actor = grant.actor
        assert (actor.type, actor.id, actor.name) == ("api_key", key_id, "ci")

    app.api_keys.revoke_api_key(CONTEXT, key_id)
    assert remembering.grant(secret) is not None  # trusted until its TTL ends
    assert checking.grant(secret) is None


def test_unknown_keys_are_not_remembered() -> None:
    app, _, _ = _app_with_key()
    keys = KnownKeys(app, ttl=3600)
    secret = "sk_" + "x" * 43
    assert keys.grant(secret) is None
    _, later = app.api_keys.create_api_key(CONTEXT, name="later", secret=secret)
    assert later == secret
    assert keys.grant(secret) is not None


def test_a_key_revoked_through_this_process_is_forgotten_at_once() -> None:
    app, key_id, secret = _app_with_key()
    keys = KnownKeys(app, ttl=3600)
    assert keys.grant(secret) is not None
    app.api_keys.revoke_api_key(CONTEXT, key_id)
    keys.forget(key_id)
    assert keys.remembered(secret) is None
    assert keys.grant(secret) is None
