"""API keys: nothing that leaves the event store (events, Kafka, errors) lets anyone test
guesses of a secret, and a key's id says nothing about its secret."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic
from pydantic import ValidationError

from domain.api_keys import ApiKey, Scope, keyed_digest
from domain.application import IdentityApplication
from domain.catalog import is_public
from domain.errors import Conflict, Invalid
from domain.events import Actor, EventContext
from domain.serialization import event_to_json
from idgov.bootstrap import server_key
from idgov.settings import Settings
from tests.unit.log_index import in_memory_app

CONTEXT = EventContext(actor=Actor(type="system", id="tests"), source="system")
SECRET = "sk_" + "chosen_by_hand_1234"


def test_a_key_id_is_random_and_its_public_events_hold_no_digest_of_the_secret() -> None:
    app = in_memory_app()
    created, secret = app.api_keys.create_api_key(CONTEXT, name="ci", secret=SECRET)
    key = created.value
    plain = hashlib.sha256(secret.encode()).hexdigest()
    keyed = keyed_digest(secret, b"tests-server-key")
    assert key.id.startswith("key_")
    assert plain[:12] not in key.id
    published = [
        event_to_json(event)
        for event in app.store.events.get(key.id)
        if is_public(event)  # what the relay puts on Kafka
    ]
    assert published
    for body in published:
        assert plain.encode() not in body
        assert keyed.encode() not in body
        assert b"digest" not in body
        assert secret[7:-4].encode() not in body  # the hint shows the ends only


def test_a_key_authenticates_until_revoked_and_only_under_its_server_key() -> None:
    app = in_memory_app()
    created, secret = app.api_keys.create_api_key(CONTEXT, name="ci")
    found = app.api_keys.authenticate(secret)
    assert found is not None
    assert found.id == created.value.id
    assert app.api_keys.authenticate(secret + "x") is None
    assert app.api_keys.authenticate("not_a_key") is None

    other_server = in_memory_app(app.store)
    assert other_server.api_keys.authenticate(secret) is not None  # same key: the test's
    elsewhere = type(app.api_keys)(app.store, b"another-server-key")
    assert elsewhere.authenticate(secret) is None

    app.api_keys.revoke_api_key(CONTEXT, created.value.id)
    assert app.api_keys.authenticate(secret) is None
    with pytest.raises(Conflict) as again:
        app.api_keys.create_api_key(CONTEXT, name="again", secret=secret)
    assert again.value.code == "api_key_already_exists"


def _stored_key(app: IdentityApplication, key_id: str, version: int, **facts: str) -> None:
    """A key's ``Created`` event as a version of idgov before this one stored it."""
    state = {
        "timestamp": "2024-05-01T12:00:00.000001Z",
        "context": {"actor": {"type": "system", "id": "idgov"}, "source": "system"},
        "originator_topic": get_topic(ApiKey),
        "display_hint": "sk_old…_old",
        **facts,
        **({"class_version": version} if version > 1 else {}),
    }
    stored = StoredEvent(
        originator_id=key_id,
        originator_version=1,
        topic=get_topic(ApiKey.Created),
        state=json.dumps(state).encode(),
    )
    app.store.recorder.insert_events([stored])


def test_a_version_1_key_event_reads_without_its_digest() -> None:
    app = in_memory_app()
    digest = hashlib.sha256(b"sk_old").hexdigest()
    _stored_key(app, "key_0123456789abcdef", 1, name="old", secret_digest=digest)
    (created,) = app.store.events.get("key_0123456789abcdef")
    assert "secret_digest" not in json.loads(event_to_json(created))


def test_keys_made_before_scopes_read_as_admin_keys_of_every_organization() -> None:
    app = in_memory_app()
    _stored_key(app, "key_01BEFORESCOPES", 2, name="before scopes")
    key = app.store.load(ApiKey, "key_01BEFORESCOPES", "API key")
    assert (key.scopes, key.organization_ids) == (("admin",), ())
    assert [k.id for k in app.api_keys.api_keys()] == ["key_01BEFORESCOPES"]


def test_a_scoped_key_publishes_its_scopes_and_organizations_never_its_secret() -> None:
    app = in_memory_app()
    organization = app.organizations.create_organization(CONTEXT, name="Acme").value
    created, secret = app.api_keys.create_api_key(
        CONTEXT, name="auditor", scopes=("read", "audit:read"), organization_ids=(organization.id,)
    )
    key_id = created.value.id
    app.api_keys.revoke_api_key(CONTEXT, key_id)
    created_event, revoked_event = (
        json.loads(event_to_json(e)) for e in app.store.events.get(key_id)
    )
    assert created_event["scopes"] == ["read", "audit:read"]
    assert created_event["organization_ids"] == [organization.id]
    assert secret not in json.dumps([created_event, revoked_event])
    listed = {k.id: k for k in app.api_keys.api_keys()}
    assert listed[key_id].revoked
    assert listed[key_id].scopes == ("read", "audit:read")


@pytest.mark.parametrize(
    ("scopes", "organization_ids", "field"),
    [((), (), "scopes"), (("read",), ("org_01MISSING",), "organization_ids")],
)
def test_a_key_needs_a_scope_and_organizations_that_exist(
    scopes: tuple[Scope, ...], organization_ids: tuple[str, ...], field: str
) -> None:
    app = in_memory_app()
    with pytest.raises(Invalid) as refused:
        app.api_keys.create_api_key(
            CONTEXT, name="odd", scopes=scopes, organization_ids=organization_ids
        )
    assert refused.value.field == field
    assert list(app.api_keys.api_keys()) == []


def test_a_malformed_setting_is_named_without_its_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDGOV_BOOTSTRAP_API_KEY", "sk_too-short-and-secret")
    with pytest.raises(ValidationError) as error:
        Settings()
    assert "bootstrap_api_key" in str(error.value)
    assert "too-short-and-secret" not in str(error.value)


def test_the_server_key_is_kept_for_the_owner_only_unless_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IDGOV_DATA_DIR", str(tmp_path / "data"))
    made = server_key(Settings())
    assert server_key(Settings()) == made  # every process of the installation agrees
    kept = tmp_path / "data" / "secret_key"
    assert kept.stat().st_mode & 0o777 == 0o600
    assert list(kept.parent.iterdir()) == [kept]
    monkeypatch.setenv("IDGOV_SECRET_KEY", "k" * 40)
    assert server_key(Settings()) == b"k" * 40
