"""The chain's canonical encoding, pinned, and how the checkpoint signing key is kept."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from idgov.bootstrap import checkpoint_signing_key
from idgov.settings import Settings
from projections.ledger.encoding import GENESIS, StoredEvent, leaf_hash, link


def test_the_encoding_of_a_stored_event_stays_what_the_readme_says() -> None:
    """Verifiers outside idgov implement this format: it changes only with a new version."""
    event = StoredEvent(
        7, "org_01ABC", 2, "domain.organizations:Organization.Renamed", b'{"name":"Acme"}'
    )
    leaf = leaf_hash(event)
    assert leaf.hex() == "a085a006c2c51199c2a0013f4d76b569401a02df4b3b1404936d1f91ce806932"
    assert link(GENESIS, leaf).hex() == (
        "d1e33884ced923349b41e8d411dcd4bd094429bf736b40204f6653de77f6d964"
    )


def public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def test_the_signing_key_is_kept_for_the_owner_only_unless_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IDGOV_DATA_DIR", str(tmp_path / "data"))
    made = checkpoint_signing_key(Settings())
    assert public(checkpoint_signing_key(Settings())) == public(made)
    kept = tmp_path / "data" / "checkpoint_key"
    assert kept.stat().st_mode & 0o777 == 0o600
    assert list(kept.parent.iterdir()) == [kept]

    given = Ed25519PrivateKey.generate()
    monkeypatch.setenv(
        "IDGOV_CHECKPOINT_SIGNING_KEY", base64.b64encode(given.private_bytes_raw()).decode()
    )
    assert public(checkpoint_signing_key(Settings())) == public(given)


def test_a_malformed_signing_key_is_named_without_its_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = base64.b64encode(b"thirty-one bytes, not thirty-2").decode()
    monkeypatch.setenv("IDGOV_CHECKPOINT_SIGNING_KEY", secret)
    with pytest.raises(ValueError) as error:
        checkpoint_signing_key(Settings())
    assert "IDGOV_CHECKPOINT_SIGNING_KEY" in str(error.value)
    assert secret not in str(error.value)
